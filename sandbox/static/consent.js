/* Consent page: without a login hint in the link, preselect the person this browser's chat page
   is acting as (stored by chat.js), the way Webex knows who is signed in. */
(function () {
  "use strict";
  if (document.querySelector('input[name="personId"]:checked')) return;
  var email = null;
  try { email = localStorage.getItem("sandbox-chat-person"); } catch (e) { return; }
  if (!email) return;
  var radios = document.querySelectorAll('input[name="personId"]');
  for (var i = 0; i < radios.length; i++) {
    if (radios[i].getAttribute("data-email") === email) {
      radios[i].checked = true;
      radios[i].scrollIntoView({ block: "nearest" });
      var who = document.getElementById("consent-who");
      var name = radios[i].parentNode.querySelector(".consent-name");
      if (who && name) {
        who.textContent = "Signing in as " + name.textContent +
          " (the person the chat page is acting as). Someone else? Choose below.";
      }
      return;
    }
  }
})();
