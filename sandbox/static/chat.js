/* Webex sandbox chat page: a tiny Webex client speaking the REST API with a person's token.
 * Plain browser JavaScript, no dependencies, works offline. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var CARD_TYPE = "application/vnd.microsoft.card.adaptive";

  var app = {
    config: null,      // the sandbox state (contract section 8)
    api: "",           // API base URL, normalised to this page's origin when it is the same server
    person: null,      // the chosen person (with token)
    room: null,        // the chosen room
    lastSig: null,     // raw text of the last messages response, to re-render only on change
    nodes: new Map(),  // message id -> {sig, el}
    files: new Map(),  // file URL -> Promise<{url, type, name}>
    pollTimer: null,
    pollSeq: 0,
    replyTo: null,     // message being replied to in a thread
    mentionIndex: 0
  };

  var $ = function (id) { return document.getElementById(id); };

  /* ---------------------------------------------------------------- helpers */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key === "html") node.innerHTML = value;
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function escapeHtml(s) {
    return String(s)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function isLoopback(host) {
    return host === "localhost" || host === "0.0.0.0" || host === "[::1]" || host === "::1" ||
      /^127\./.test(host);
  }

  // The state file names 127.0.0.1; when the page is opened as localhost (or another name of the
  // same server) use this page's origin so the browser needs no CORS.
  function sameServer(url) {
    try {
      var u = new URL(url, location.href);
      if (u.origin !== location.origin && u.port === location.port && isLoopback(u.hostname)) {
        return location.origin + u.pathname + u.search;
      }
      return u.href;
    } catch (e) {
      return url;
    }
  }

  function apiFetch(path, options) {
    options = options || {};
    var headers = Object.assign({ Authorization: "Bearer " + app.person.token }, options.headers);
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    var url = /^https?:/.test(path) ? sameServer(path) : app.api + path;
    return fetch(url, { method: options.method || "GET", headers: headers, body: options.body });
  }

  function errorText(resp, body) {
    var msg = "";
    try { msg = JSON.parse(body).message || ""; } catch (e) { msg = (body || "").slice(0, 200); }
    return resp.status + " " + (resp.statusText || "") + (msg ? ": " + msg : "");
  }

  function showStatus(text, kind) {
    var box = $("status");
    if (!text) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    box.className = "status" + (kind ? " status-" + kind : "");
    box.textContent = text;
  }

  function hashHue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  function initials(name) {
    var parts = String(name || "?").trim().split(/\s+/);
    var letters = parts[0].charAt(0) + (parts.length > 1 ? parts[parts.length - 1].charAt(0) : "");
    return letters.toUpperCase();
  }

  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return { short: "", full: "" };
    var now = new Date();
    var hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var sameDay = d.toDateString() === now.toDateString();
    var short = sameDay ? hm : d.toLocaleDateString([], { month: "short", day: "numeric" }) +
      ", " + hm;
    return { short: short, full: d.toLocaleString() };
  }

  /* ---------------------------------------------------------------- people */

  function everyone() {
    var list = (app.config.people || []).slice();
    if (app.config.bot) list.push(Object.assign({ isBot: true }, app.config.bot));
    return list;
  }

  function findPerson(id, email) {
    var all = everyone();
    for (var i = 0; i < all.length; i++) {
      if ((id && all[i].id === id) || (email && all[i].email === email)) return all[i];
    }
    return null;
  }

  function isBotMessage(msg) {
    var bot = app.config.bot || {};
    return (bot.id && msg.personId === bot.id) || (bot.email && msg.personEmail === bot.email) ||
      /@webex\.bot$/i.test(msg.personEmail || "");
  }

  /* ---------------------------------------------------------------- markdown */

  function safeUrl(raw) {
    var url = raw.replace(/&amp;/g, "&").trim();
    if (/^(https?:|mailto:)/i.test(url)) return withLoginHint(url);
    return null;
  }

  // A link to the sandbox's consent page names who this page acts as (a login hint), unless the
  // link already names someone: the consent page then preselects that person.
  function withLoginHint(url) {
    if (!app.person) return url;
    try {
      var u = new URL(url);
      if (!/\/v1\/authorize$/.test(u.pathname) || u.searchParams.has("login_hint") ||
          u.searchParams.has("email")) return url;
      u.searchParams.set("login_hint", app.person.email);
      return u.href;
    } catch (e) { return url; }
  }

  function mentionHtml(kind, value, name) {
    var label = name;
    if (!label) {
      if (kind === "all" || value === "all") label = "all";
      else {
        var p = kind === "personEmail" ? findPerson(null, value) : findPerson(value, null);
        label = p ? p.displayName : value;
      }
    }
    var me = app.person && ((kind === "personId" && value === app.person.id) ||
      (kind === "personEmail" && value === app.person.email) || kind === "all");
    return '<span class="mention' + (me ? " mention-me" : "") + '">@' + escapeHtml(label) +
      "</span>";
  }

  // Inline markdown on raw (unescaped) text: everything is escaped, then markup is added.
  function inlineMarkdown(raw) {
    var slots = [];
    var hold = function (html) { slots.push(html); return "\u0000" + (slots.length - 1) + "\u0000"; };
    var s = String(raw).replace(/\u0000/g, "");
    s = s.replace(/`([^`\n]+)`/g, function (_, code) {
      return hold("<code>" + escapeHtml(code) + "</code>");
    });
    s = s.replace(/<@(personId|personEmail):([^|>\s]+)(?:\|([^>]*))?>/g, function (_, k, v, n) {
      return hold(mentionHtml(k, v, n));
    });
    s = s.replace(/<@all>/g, function () { return hold(mentionHtml("all", "all", "all")); });
    s = escapeHtml(s);
    // [text](url); the url may hold one level of balanced parentheses.
    var linkRe = /\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/g;
    s = s.replace(linkRe, function (whole, text, href) {
      var url = safeUrl(href);
      if (!url) return text;
      return hold('<a href="' + escapeHtml(url) + '" target="_blank" rel="noopener noreferrer">' +
        text + "</a>");
    });
    s = s.replace(/(^|[\s(])(https?:\/\/[^\s<]+[^\s<.,;:!?)'"])/g, function (_, pre, href) {
      var url = safeUrl(href);
      return pre + hold('<a href="' + escapeHtml(url) + '" target="_blank" ' +
        'rel="noopener noreferrer">' + href + "</a>");
    });
    s = s.replace(/\*\*(?=\S)([\s\S]+?)\*\*/g, "<strong>$1</strong>");
    s = s.replace(/(^|[^\w])__(?=\S)([\s\S]+?)__(?!\w)/g, "$1<strong>$2</strong>");
    s = s.replace(/~~(?=\S)([\s\S]+?)~~/g, "<del>$1</del>");
    s = s.replace(/(^|[^*\w])\*(?=[^\s*])([^*\n]*?[^\s*])?\*(?!\*)/g, function (m, pre, body) {
      return body === undefined ? m : pre + "<em>" + body + "</em>";
    });
    s = s.replace(/(^|[^\w])_(?=\S)([^_\n]+?)_(?!\w)/g, "$1<em>$2</em>");
    return s.replace(/\u0000(\d+)\u0000/g, function (_, i) { return slots[Number(i)]; });
  }

  // Block markdown: paragraphs, headings, lists, quotes, fenced code, line breaks.
  function renderMarkdown(raw) {
    var lines = String(raw || "").replace(/\r\n?/g, "\n").split("\n");
    var out = [];
    var para = [];
    var list = null; // {tag, items}
    var quote = [];

    function flushPara() {
      if (para.length) out.push("<p>" + para.map(inlineMarkdown).join("<br>") + "</p>");
      para = [];
    }
    function flushList() {
      if (list) {
        out.push("<" + list.tag + ">" + list.items.map(function (item) {
          return "<li>" + inlineMarkdown(item) + "</li>";
        }).join("") + "</" + list.tag + ">");
      }
      list = null;
    }
    function flushQuote() {
      if (quote.length) out.push("<blockquote>" + renderMarkdown(quote.join("\n")) + "</blockquote>");
      quote = [];
    }
    function flushAll() { flushPara(); flushList(); flushQuote(); }

    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var fence = line.match(/^\s*```/);
      if (fence) {
        flushAll();
        var code = [];
        for (i = i + 1; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
        out.push("<pre><code>" + escapeHtml(code.join("\n")) + "</code></pre>");
        continue;
      }
      var q = line.match(/^\s*>\s?(.*)$/);
      if (q) { flushPara(); flushList(); quote.push(q[1]); continue; }
      flushQuote();
      if (/^\s*$/.test(line)) { flushPara(); flushList(); continue; }
      var h = line.match(/^\s*(#{1,6})\s+(.*)$/);
      if (h) {
        flushPara(); flushList();
        var level = Math.min(h[1].length + 2, 6); // keep headings modest inside a message
        out.push("<h" + level + ' class="md-h' + h[1].length + '">' + inlineMarkdown(h[2]) +
          "</h" + level + ">");
        continue;
      }
      if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { flushPara(); flushList(); out.push("<hr>"); continue; }
      var ul = line.match(/^\s*[-*+]\s+(.*)$/);
      var ol = line.match(/^\s*\d+[.)]\s+(.*)$/);
      if (ul || ol) {
        flushPara();
        var tag = ul ? "ul" : "ol";
        if (list && list.tag !== tag) flushList();
        if (!list) list = { tag: tag, items: [] };
        list.items.push((ul || ol)[1]);
        continue;
      }
      if (list && /^\s{2,}\S/.test(line)) { // continuation of a list item
        list.items[list.items.length - 1] += " " + line.trim();
        continue;
      }
      flushList();
      para.push(line);
    }
    flushAll();
    return out.join("");
  }

  /* ---------------------------------------------------------------- files */

  function fileName(url, resp) {
    var cd = resp && resp.headers.get("Content-Disposition");
    var m = cd && cd.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
    if (m) { try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; } }
    var path = url.split("?")[0].split("/");
    return path[path.length - 1] || "file";
  }

  function loadFile(url) {
    var key = app.person.id + " " + url;
    if (!app.files.has(key)) {
      var p = apiFetch(url).then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        var type = (resp.headers.get("Content-Type") || "").split(";")[0].trim();
        var name = fileName(url, resp);
        return resp.blob().then(function (blob) {
          return { url: URL.createObjectURL(blob), type: type || blob.type, name: name,
            size: blob.size };
        });
      });
      p.catch(function () { app.files.delete(key); });
      app.files.set(key, p);
    }
    return app.files.get(key);
  }

  function renderFile(url) {
    var box = el("div", { class: "file file-loading", "data-file-url": url }, ["Loading file…"]);
    loadFile(url).then(function (f) {
      box.className = "file";
      box.textContent = "";
      if (/^image\//.test(f.type)) {
        var img = el("img", { class: "file-image", src: f.url, alt: f.name, loading: "lazy" });
        img.addEventListener("load", function () { stickToBottom(); });
        box.appendChild(el("a", { href: f.url, target: "_blank", rel: "noopener",
          title: "Open " + f.name }, [img]));
      } else {
        box.appendChild(el("a", { class: "file-link", href: f.url, download: f.name }, [
          el("span", { class: "file-icon", "aria-hidden": "true" }, ["⬇"]),
          el("span", {}, [f.name]),
          el("span", { class: "file-size" }, [formatSize(f.size)])
        ]));
      }
    }, function (err) {
      box.className = "file file-error";
      box.textContent = "File unavailable (" + err.message + ")";
    });
    return box;
  }

  function formatSize(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  /* ---------------------------------------------------------------- adaptive cards */

  var SPACING = { none: "0", small: "4px", "default": "8px", medium: "12px", large: "16px",
    extralarge: "24px", padding: "12px" };

  function applyCommon(node, item, first) {
    if (item.id) node.setAttribute("data-ac-id", item.id);
    if (item.isVisible === false) node.hidden = true;
    if (!first) {
      var sp = SPACING[String(item.spacing || "default").toLowerCase()];
      if (sp !== undefined) node.style.marginTop = sp;
    }
    if (item.separator && !first) node.classList.add("ac-separator");
    if (item.horizontalAlignment) {
      node.classList.add("ac-align-" + String(item.horizontalAlignment).toLowerCase());
    }
    return node;
  }

  function renderItems(items, ctx) {
    var frag = document.createDocumentFragment();
    (Array.isArray(items) ? items : []).forEach(function (item, i) {
      var node;
      try {
        node = renderElement(item, ctx);
      } catch (e) {
        node = placeholder((item && item.type) || "element", "could not be shown");
      }
      if (node) frag.appendChild(applyCommon(node, item || {}, i === 0));
    });
    return frag;
  }

  function placeholder(type, why) {
    return el("div", { class: "ac-unknown", title: why || "not supported by this page" },
      [String(type) + (why ? " " + why : " not supported here")]);
  }

  function textBlock(item) {
    var size = String(item.size || "default").toLowerCase();
    var weight = String(item.weight || "default").toLowerCase();
    var color = String(item.color || "default").toLowerCase();
    var cls = ["ac-text", "ac-size-" + size, "ac-weight-" + weight, "ac-color-" + color];
    if (item.isSubtle) cls.push("ac-subtle");
    if (item.wrap !== true) cls.push("ac-nowrap");
    if (item.fontType && String(item.fontType).toLowerCase() === "monospace") cls.push("ac-mono");
    var node = el("div", { class: cls.join(" ") });
    node.innerHTML = inlineMarkdown(String(item.text === undefined ? "" : item.text));
    if (item.maxLines && item.wrap) {
      node.style.webkitLineClamp = String(item.maxLines);
      node.classList.add("ac-clamp");
    }
    return node;
  }

  function richTextBlock(item) {
    var node = el("div", { class: "ac-text ac-rich" });
    (item.inlines || []).forEach(function (run) {
      if (typeof run === "string") { node.appendChild(document.createTextNode(run)); return; }
      var span = el("span", { class: "ac-size-" + String(run.size || "default").toLowerCase() +
        " ac-color-" + String(run.color || "default").toLowerCase() +
        " ac-weight-" + String(run.weight || "default").toLowerCase() },
        [String(run.text || "")]);
      if (run.italic) span.style.fontStyle = "italic";
      if (run.strikethrough) span.style.textDecoration = "line-through";
      if (run.isSubtle) span.classList.add("ac-subtle");
      node.appendChild(span);
    });
    return node;
  }

  function factSet(item) {
    var table = el("table", { class: "ac-factset" });
    var body = el("tbody");
    (item.facts || []).forEach(function (f) {
      var th = el("th", { scope: "row" });
      th.innerHTML = inlineMarkdown(String(f.title || ""));
      var td = el("td");
      td.innerHTML = inlineMarkdown(String(f.value || ""));
      body.appendChild(el("tr", {}, [th, td]));
    });
    table.appendChild(body);
    return table;
  }

  function columnSet(item, ctx) {
    var row = el("div", { class: "ac-columnset" });
    (item.columns || []).forEach(function (col, i) {
      var c = el("div", { class: "ac-column" });
      if (col.id) c.setAttribute("data-ac-id", col.id);
      if (col.isVisible === false) c.hidden = true;
      if (i > 0) {
        var sp = SPACING[String(col.spacing || "default").toLowerCase()];
        c.style.marginLeft = sp === undefined ? "8px" : sp;
        if (col.separator) c.classList.add("ac-column-separator");
      }
      var w = col.width === undefined ? "stretch" : col.width;
      if (typeof w === "number" || /^\d+(\.\d+)?$/.test(String(w))) {
        c.style.flex = Number(w) + " 1 0";
      } else if (/^\d+px$/i.test(String(w))) {
        c.style.flex = "0 0 " + w;
      } else if (String(w).toLowerCase() === "auto") {
        c.style.flex = "0 1 auto";
      } else {
        c.style.flex = "1 1 0";
      }
      if (col.style) c.classList.add("ac-style-" + String(col.style).toLowerCase());
      var va = String(col.verticalContentAlignment || "").toLowerCase();
      if (va === "center" || va === "bottom") c.classList.add("ac-valign-" + va);
      c.appendChild(renderItems(col.items, ctx));
      row.appendChild(c);
    });
    return row;
  }

  function container(item, ctx) {
    var style = String(item.style || "default").toLowerCase();
    var node = el("div", { class: "ac-container ac-style-" + style });
    var va = String(item.verticalContentAlignment || "").toLowerCase();
    if (va === "center" || va === "bottom") node.classList.add("ac-valign-" + va);
    node.appendChild(renderItems(item.items, ctx));
    return node;
  }

  function image(item) {
    var size = String(item.size || "auto").toLowerCase();
    var img = el("img", { class: "ac-image ac-image-" + size, alt: item.altText || "" });
    if (item.style && String(item.style).toLowerCase() === "person") img.classList.add("ac-person");
    if (item.width) img.style.width = item.width;
    if (item.height && item.height !== "auto") img.style.height = item.height;
    var url = String(item.url || "");
    if (url && app.api && sameServer(url).indexOf(app.api) === 0) {
      loadFile(url).then(function (f) { img.src = f.url; },
        function () { img.alt = (item.altText || "image") + " (unavailable)"; });
    } else if (/^(https?:|data:image\/)/i.test(url)) {
      img.src = url;
    }
    var wrap = el("div", { class: "ac-image-wrap" }, [img]);
    return wrap;
  }

  function labelFor(item, control) {
    if (!item.label) return control;
    var id = "ac-" + Math.random().toString(36).slice(2);
    control.id = id;
    return el("div", { class: "ac-field" }, [
      el("label", { class: "ac-label", for: id }, [String(item.label) + (item.isRequired ? " *" : "")]),
      control
    ]);
  }

  function registerInput(ctx, item, read, node) {
    if (!item.id) return;
    ctx.inputs.push({ id: item.id, read: read, required: !!item.isRequired, node: node,
      error: item.errorMessage });
  }

  function inputText(item, ctx) {
    var multi = !!item.isMultiline;
    var control = el(multi ? "textarea" : "input", {
      class: "ac-input", placeholder: item.placeholder || null,
      maxlength: item.maxLength || null, "aria-label": item.label ? null : (item.placeholder || item.id),
      rows: multi ? 3 : null, type: multi ? null : "text"
    });
    if (item.value !== undefined) control.value = String(item.value);
    registerInput(ctx, item, function () { return control.value; }, control);
    return labelFor(item, control);
  }

  function inputSimple(item, ctx, type) {
    var control = el("input", { class: "ac-input", type: type, min: item.min, max: item.max,
      placeholder: item.placeholder || null,
      "aria-label": item.label ? null : (item.placeholder || item.id) });
    if (item.value !== undefined) control.value = String(item.value);
    registerInput(ctx, item, function () { return control.value; }, control);
    return labelFor(item, control);
  }

  function inputToggle(item, ctx) {
    var on = item.valueOn === undefined ? "true" : String(item.valueOn);
    var off = item.valueOff === undefined ? "false" : String(item.valueOff);
    var box = el("input", { type: "checkbox", class: "ac-check" });
    box.checked = String(item.value) === on;
    registerInput(ctx, item, function () { return box.checked ? on : off; }, box);
    var node = el("label", { class: "ac-option" }, [box, el("span", {}, [String(item.title || "")])]);
    return item.label ? el("div", { class: "ac-field" }, [
      el("div", { class: "ac-label" }, [String(item.label)]), node]) : node;
  }

  function choiceSet(item, ctx) {
    var choices = Array.isArray(item.choices) ? item.choices : [];
    var multi = !!item.isMultiSelect;
    var style = String(item.style || "compact").toLowerCase();
    var initial = String(item.value === undefined ? "" : item.value).split(multi ? "," : "\u0000");
    if (!multi && style !== "expanded") {
      var select = el("select", { class: "ac-input ac-select",
        "aria-label": item.label ? null : (item.placeholder || item.id) });
      if (item.placeholder || item.value === undefined) {
        select.appendChild(el("option", { value: "" }, [item.placeholder || "Choose…"]));
      }
      choices.forEach(function (c) {
        var o = el("option", { value: String(c.value) }, [String(c.title)]);
        if (initial.indexOf(String(c.value)) >= 0) o.selected = true;
        select.appendChild(o);
      });
      registerInput(ctx, item, function () { return select.value; }, select);
      return labelFor(item, select);
    }
    var group = el("div", { class: "ac-choices", role: multi ? "group" : "radiogroup",
      "aria-label": item.label || item.placeholder || item.id });
    var name = "ac-" + Math.random().toString(36).slice(2);
    var boxes = [];
    choices.forEach(function (c) {
      var box = el("input", { type: multi ? "checkbox" : "radio", name: name,
        value: String(c.value), class: "ac-check" });
      if (initial.indexOf(String(c.value)) >= 0) box.checked = true;
      boxes.push(box);
      group.appendChild(el("label", { class: "ac-option" }, [box, el("span", {}, [String(c.title)])]));
    });
    registerInput(ctx, item, function () {
      return boxes.filter(function (b) { return b.checked; })
        .map(function (b) { return b.value; }).join(",");
    }, group);
    if (!item.label) return group;
    return el("div", { class: "ac-field" }, [
      el("div", { class: "ac-label" }, [String(item.label) + (item.isRequired ? " *" : "")]), group]);
  }

  function actionSet(actions, ctx) {
    var bar = el("div", { class: "ac-actions" });
    (Array.isArray(actions) ? actions : []).forEach(function (action) {
      bar.appendChild(renderAction(action, ctx));
    });
    return bar;
  }

  function renderAction(action, ctx) {
    var type = action && action.type;
    var title = String((action && action.title) || (type === "Action.OpenUrl" ? "Open" : "Submit"));
    var cls = "ac-action" + (action && action.style === "positive" ? " ac-positive" : "") +
      (action && action.style === "destructive" ? " ac-destructive" : "");
    if (type === "Action.Submit") {
      var btn = el("button", { type: "button", class: cls, "data-action": "submit" }, [title]);
      btn.addEventListener("click", function () { submitCard(ctx, action, btn); });
      return btn;
    }
    if (type === "Action.OpenUrl") {
      var url = safeUrl(String(action.url || ""));
      if (!url) return placeholder("Action.OpenUrl", "with an unsupported link");
      return el("a", { class: cls + " ac-openurl", href: url, target: "_blank",
        rel: "noopener noreferrer", "data-action": "openurl" }, [title + " ↗"]);
    }
    return placeholder(type || "action");
  }

  function renderElement(item, ctx) {
    if (!item || typeof item !== "object") return placeholder("element");
    switch (item.type) {
      case "TextBlock": return textBlock(item);
      case "RichTextBlock": return richTextBlock(item);
      case "FactSet": return factSet(item);
      case "ColumnSet": return columnSet(item, ctx);
      case "Container": return container(item, ctx);
      case "Image": return image(item);
      case "ImageSet": {
        var set = el("div", { class: "ac-imageset" });
        (item.images || []).forEach(function (im) {
          set.appendChild(image(Object.assign({ size: item.imageSize || "medium" }, im)));
        });
        return set;
      }
      case "ActionSet": return actionSet(item.actions, ctx);
      case "Input.Text": return inputText(item, ctx);
      case "Input.Time": return inputSimple(item, ctx, "time");
      case "Input.Date": return inputSimple(item, ctx, "date");
      case "Input.Number": return inputSimple(item, ctx, "number");
      case "Input.Toggle": return inputToggle(item, ctx);
      case "Input.ChoiceSet": return choiceSet(item, ctx);
      default: return placeholder(item.type || "element");
    }
  }

  function renderCard(content, msg) {
    var ctx = { inputs: [], messageId: msg.id };
    var card = el("div", { class: "card", role: "group", "aria-label": "Card" });
    if (!content || content.type !== "AdaptiveCard") {
      card.appendChild(placeholder("Attachment", "is not an Adaptive Card"));
      return card;
    }
    var body = el("div", { class: "card-body" });
    body.appendChild(renderItems(content.body, ctx));
    card.appendChild(body);
    if (Array.isArray(content.actions) && content.actions.length) {
      card.appendChild(actionSet(content.actions, ctx));
    }
    var note = el("div", { class: "card-note", role: "status", "aria-live": "polite" });
    card.appendChild(note);
    ctx.note = note;
    ctx.card = card;
    return card;
  }

  function submitCard(ctx, action, button) {
    var inputs = {};
    var missing = [];
    ctx.inputs.forEach(function (input) {
      var value = input.read();
      input.node.classList.remove("ac-invalid");
      if (input.required && (value === "" || value === null || value === undefined)) {
        missing.push(input);
        input.node.classList.add("ac-invalid");
      }
      inputs[input.id] = value;
    });
    if (missing.length) {
      ctx.note.className = "card-note card-note-error";
      ctx.note.textContent = missing[0].error || "Please fill in the required fields.";
      return;
    }
    if (action.data && typeof action.data === "object" && !Array.isArray(action.data)) {
      Object.keys(action.data).forEach(function (k) { inputs[k] = action.data[k]; });
    }
    var buttons = ctx.card.querySelectorAll("button[data-action='submit']");
    buttons.forEach(function (b) { b.disabled = true; });
    button.classList.add("ac-busy");
    ctx.note.className = "card-note";
    ctx.note.textContent = "Sending…";
    apiFetch("/attachment/actions", {
      method: "POST",
      json: { type: "submit", messageId: ctx.messageId, inputs: inputs }
    }).then(function (resp) {
      return resp.text().then(function (body) {
        if (!resp.ok) throw new Error(errorText(resp, body));
        var created = {};
        try { created = JSON.parse(body); } catch (e) { /* keep empty */ }
        ctx.note.className = "card-note card-note-ok";
        ctx.note.textContent = "✓ Sent “" + String(action.title || "Submit") + "”";
        if (created.id) ctx.card.setAttribute("data-last-action-id", created.id);
        schedulePoll(200);
      });
    }).catch(function (err) {
      ctx.note.className = "card-note card-note-error";
      ctx.note.textContent = "Could not submit: " + err.message;
    }).then(function () {
      button.classList.remove("ac-busy");
      setTimeout(function () { buttons.forEach(function (b) { b.disabled = false; }); }, 800);
    });
  }

  /* ---------------------------------------------------------------- messages */

  function messageSig(msg) {
    return [msg.updated || "", msg.created || "", msg.text || "", msg.markdown || "",
      JSON.stringify(msg.files || []), JSON.stringify(msg.attachments || [])].join("\u0001");
  }

  function renderMessage(msg) {
    var sender = findPerson(msg.personId, msg.personEmail);
    var name = sender ? sender.displayName : (msg.personEmail || "Unknown");
    var bot = isBotMessage(msg);
    var mine = app.person && msg.personId === app.person.id;
    var time = formatTime(msg.created);
    var cls = "message" + (bot ? " from-bot" : "") + (mine ? " mine" : "") +
      (msg.parentId ? " reply" : "");
    var node = el("article", { class: cls, "data-message-id": msg.id,
      "data-parent-id": msg.parentId || null, "aria-label": "Message from " + name });

    var hue = hashHue(msg.personId || msg.personEmail || name);
    var avatar = el("div", { class: "avatar", "aria-hidden": "true" }, [initials(name)]);
    if (!bot) avatar.style.background = "hsl(" + hue + " 45% 42%)";

    var head = el("div", { class: "message-head" }, [
      el("span", { class: "sender" }, [name]),
      bot ? el("span", { class: "badge" }, ["Bot"]) : null,
      el("time", { class: "time", datetime: msg.created || null, title: time.full }, [time.short])
    ]);
    var body = el("div", { class: "message-body" });

    var cards = (msg.attachments || []).filter(function (a) {
      return a && a.contentType === CARD_TYPE;
    });
    var fallback = msg.markdown || msg.text || "";
    if (cards.length) {
      cards.forEach(function (a) { body.appendChild(renderCard(a.content, msg)); });
      if (fallback) {
        var details = el("details", { class: "card-fallback" }, [
          el("summary", {}, ["Text version"])]);
        var fb = el("div", { class: "markdown" });
        fb.innerHTML = msg.markdown ? renderMarkdown(msg.markdown) :
          "<p>" + escapeHtml(msg.text).replace(/\n/g, "<br>") + "</p>";
        details.appendChild(fb);
        body.appendChild(details);
      }
    } else if (msg.markdown) {
      body.appendChild(el("div", { class: "markdown", html: renderMarkdown(msg.markdown) }));
    } else if (msg.text) {
      body.appendChild(el("div", { class: "markdown plain", html: "<p>" +
        escapeHtml(msg.text).replace(/\n/g, "<br>") + "</p>" }));
    }
    (msg.files || []).forEach(function (url) { body.appendChild(renderFile(url)); });


    node.appendChild(avatar);
    node.appendChild(el("div", { class: "message-main" }, [head, body]));
    if (!msg.parentId) {
      node.appendChild(el("button", { type: "button", class: "link-button reply-button",
        onclick: function () { startReply(msg, name); } }, ["Reply in thread"]));
    }
    return node;
  }

  function orderMessages(items) {
    // The API answers newest first; reverse, then a stable sort by time keeps ties in order.
    var list = items.slice().reverse().sort(function (a, b) {
      return String(a.created).localeCompare(String(b.created));
    });
    var byId = {};
    list.forEach(function (m) { byId[m.id] = m; });
    var replies = {};
    var roots = [];
    list.forEach(function (m) {
      if (m.parentId && byId[m.parentId]) {
        (replies[m.parentId] = replies[m.parentId] || []).push(m);
      } else {
        roots.push(m);
      }
    });
    var ordered = [];
    roots.forEach(function (m) {
      ordered.push(m);
      (replies[m.id] || []).forEach(function (r) { ordered.push(r); });
    });
    return ordered;
  }

  function nearBottom() {
    var box = $("messages");
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function stickToBottom(force) {
    var box = $("messages");
    if (force || box.getAttribute("data-stick") !== "no") box.scrollTop = box.scrollHeight;
  }

  function renderMessages(items) {
    var box = $("messages");
    var stick = nearBottom();
    var ordered = orderMessages(items);
    var seen = new Set();
    var mineNew = false;
    var previous = null;
    ordered.forEach(function (msg) {
      seen.add(msg.id);
      var sig = messageSig(msg);
      var entry = app.nodes.get(msg.id);
      if (!entry || entry.sig !== sig) {
        var fresh = renderMessage(msg);
        if (entry) entry.el.replaceWith(fresh);
        else if (app.person && msg.personId === app.person.id) mineNew = true;
        entry = { sig: sig, el: fresh };
        app.nodes.set(msg.id, entry);
      }
      var grouped = previous && !msg.parentId && !previous.parentId &&
        previous.personId === msg.personId &&
        Date.parse(msg.created) - Date.parse(previous.created) < 5 * 60 * 1000;
      entry.el.classList.toggle("continued", !!grouped);
      var expectedPrev = previous ? app.nodes.get(previous.id).el : null;
      if (entry.el.previousElementSibling !== expectedPrev || entry.el.parentNode !== box) {
        if (expectedPrev) expectedPrev.after(entry.el);
        else box.prepend(entry.el);
      }
      previous = msg;
    });
    app.nodes.forEach(function (entry, id) {
      if (!seen.has(id)) { entry.el.remove(); app.nodes.delete(id); }
    });
    var empty = box.querySelector(".empty");
    if (!ordered.length && !empty) {
      box.appendChild(el("div", { class: "empty" }, [
        el("p", {}, ["No messages here yet."]),
        el("p", { class: "muted" }, [app.room && app.room.type === "group" ?
          "Mention the bot with @ to talk to it, e.g. “@" + botName() + " help”." :
          "Say hi, or type “help”."])
      ]));
    } else if (ordered.length && empty) {
      empty.remove();
    }
    if (stick || mineNew) stickToBottom(true);
  }

  /* ---------------------------------------------------------------- polling */

  function schedulePoll(delay) {
    clearTimeout(app.pollTimer);
    app.pollTimer = setTimeout(poll, delay === undefined ? POLL_MS : delay);
  }

  function poll() {
    if (!app.room || !app.person) return;
    var seq = ++app.pollSeq;
    var roomId = app.room.id;
    apiFetch("/messages?roomId=" + encodeURIComponent(roomId) + "&max=50")
      .then(function (resp) {
        return resp.text().then(function (body) {
          if (seq !== app.pollSeq || !app.room || app.room.id !== roomId) return;
          if (!resp.ok) throw new Error(errorText(resp, body));
          showStatus("");
          if (body === app.lastSig) return;
          app.lastSig = body;
          var data = JSON.parse(body);
          renderMessages(Array.isArray(data.items) ? data.items : []);
          $("messages").setAttribute("data-loaded", "true");
        });
      })
      .catch(function (err) {
        if (seq === app.pollSeq) showStatus("Cannot load messages: " + err.message, "error");
      })
      .then(function () {
        if (seq === app.pollSeq) schedulePoll();
      });
  }

  /* ---------------------------------------------------------------- rooms & people */

  function roomsOf(person) {
    return (app.config.rooms || []).filter(function (r) {
      return (r.memberEmails || []).indexOf(person.email) >= 0;
    });
  }

  function botName() {
    return (app.config.bot && app.config.bot.displayName) || "Bot";
  }

  // The person's spaces as a Webex client sees them: GET /rooms with their token, merged with
  // the member lists of the state file. New spaces (e.g. a 1:1 the bot opened) show up too.
  function refreshRooms() {
    var person = app.person;
    if (!person) return Promise.resolve();
    return apiFetch("/rooms?max=100&sortBy=created").then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (data) {
      if (app.person !== person || !Array.isArray(data.items)) return;
      var order = {};
      (app.config.rooms || []).forEach(function (r, i) { order[r.id] = { room: r, index: i }; });
      var rooms = data.items.slice().reverse().map(function (r, i) {
        var known = order[r.id];
        return { id: r.id, title: r.title, type: r.type, fromApi: true,
          memberEmails: known ? known.room.memberEmails : null,
          rank: known ? known.index : 10000 + i };
      }).sort(function (a, b) { return a.rank - b.rank; });
      var sig = JSON.stringify(rooms);
      if (sig === app.roomsSig) return;
      app.roomsSig = sig;
      app.rooms = rooms;
      var wanted = app.wantedRoomId && rooms.filter(function (r) {
        return r.id === app.wantedRoomId;
      })[0];
      app.wantedRoomId = null;
      if (wanted && (!app.room || app.room.id !== wanted.id)) selectRoom(wanted);
      else renderRooms();
    }).catch(function () { /* keep the state file's list */ });
  }

  // A 1:1 space is named after the other person, as Webex clients do.
  function roomTitle(room) {
    if (room.fromApi && room.title) return room.title;
    if (room.type === "direct" && app.person) {
      var other = (room.memberEmails || []).filter(function (e) { return e !== app.person.email; })[0];
      var p = other && findPerson(null, other);
      if (p) return p.displayName;
    }
    return room.title || "Untitled space";
  }

  function renderRooms() {
    var box = $("rooms");
    box.textContent = "";
    var rooms = app.rooms || [];
    rooms.forEach(function (room) {
      var others = (room.memberEmails || []).filter(function (e) { return e !== app.person.email; });
      var active = app.room && app.room.id === room.id;
      var btn = el("button", {
        type: "button", class: "room" + (active ? " active" : ""), "data-room-id": room.id,
        "aria-current": active ? "true" : null,
        onclick: function () { selectRoom(room); }
      }, [
        el("span", { class: "room-icon room-" + room.type +
          (room.type === "direct" && roomTitle(room) === botName() ? " bot-avatar" : ""),
          "aria-hidden": "true" },
          [room.type === "direct" ? initials(roomTitle(room)) : "#"]),
        el("span", { class: "room-text" }, [
          el("span", { class: "room-name" }, [roomTitle(room)]),
          el("span", { class: "room-sub" }, [room.type === "direct" ? "1:1" :
            room.memberEmails ? (others.length + 1) + " members" : "Group space"])
        ])
      ]);
      box.appendChild(btn);
    });
    var note = $("sidebar-note");
    note.hidden = rooms.length > 0;
    note.textContent = rooms.length ? "" : "This person is in no space.";
  }

  function updateUrl() {
    var params = new URLSearchParams(location.search);
    params.set("as", app.person.email);
    if (app.room) params.set("room", app.room.id); else params.delete("room");
    history.replaceState(null, "", location.pathname + "?" + params.toString());
  }

  function selectPerson(person, preferredRoomId) {
    app.person = person;
    $("who").value = person.id;
    try { localStorage.setItem("sandbox-chat-person", person.email); } catch (e) { /* ignore */ }
    var rooms = roomsOf(person);
    app.rooms = rooms;
    app.roomsSig = null;
    var room = rooms.filter(function (r) { return r.id === preferredRoomId; })[0] ||
      (app.room && rooms.filter(function (r) { return r.id === app.room.id; })[0]) ||
      rooms.filter(function (r) { return r.type === "direct" && r.memberEmails.indexOf(
        (app.config.bot || {}).email) >= 0; })[0] || rooms[0] || null;
    app.room = null;
    app.wantedRoomId = room && room.id === preferredRoomId ? null : preferredRoomId;
    selectRoom(room);
    refreshRooms();
  }

  function selectRoom(room) {
    app.room = room;
    app.lastSig = null;
    app.pollSeq++;
    clearTimeout(app.pollTimer);
    app.nodes.clear();
    cancelReply();
    var box = $("messages");
    box.textContent = "";
    box.removeAttribute("data-loaded");
    box.setAttribute("data-room-id", room ? room.id : "");
    renderRooms();
    var title = $("room-title");
    var meta = $("room-meta");
    var group = room && room.type === "group";
    $("mention").hidden = !group;
    if (!room) {
      title.textContent = "No space";
      meta.textContent = "";
      $("composer").disabled = true;
      $("send").disabled = true;
      updateUrl();
      return;
    }
    title.textContent = roomTitle(room);
    var names = (room.memberEmails || [app.person.email]).map(function (e) {
      var p = findPerson(null, e);
      return p ? p.displayName : e;
    });
    meta.textContent = (room.type === "direct" ? "1:1 space · " : "Group space · ") +
      names.join(", ");
    $("composer").disabled = false;
    $("send").disabled = false;
    $("composer").placeholder = group ? "Write to " + roomTitle(room) + " — type @ to mention " +
      botName() : "Write a message to " + roomTitle(room);
    updateUrl();
    poll();
  }

  /* ---------------------------------------------------------------- composer */

  function botFirstName() {
    return botName().split(/\s+/)[0];
  }

  // Build {text, markdown} for the composer text, turning "@Quality Bot" / "@Quality" into a
  // Webex mention of the bot in group spaces.
  function buildMessage(raw) {
    var bot = app.config.bot || {};
    var full = botName();
    var first = botFirstName();
    var group = app.room && app.room.type === "group";
    var escapeRe = function (s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); };
    var re = new RegExp("@(" + escapeRe(full) + "|" + escapeRe(first) + ")(?![\\w])", "gi");
    if (!group || !bot.id || !re.test(raw)) return { text: raw };
    re.lastIndex = 0;
    return {
      text: raw.replace(re, full),
      markdown: raw.replace(re, "<@personId:" + bot.id + "|" + full + ">")
    };
  }

  function send() {
    var input = $("composer");
    var raw = input.value.replace(/\s+$/, "");
    if (!raw.trim() || !app.room) return;
    var payload = buildMessage(raw);
    var body = { roomId: app.room.id, text: payload.text };
    if (payload.markdown) body.markdown = payload.markdown;
    if (app.replyTo) body.parentId = app.replyTo.id;
    var btn = $("send");
    btn.disabled = true;
    $("composer-hint").className = "composer-hint";
    apiFetch("/messages", { method: "POST", json: body }).then(function (resp) {
      return resp.text().then(function (text) {
        if (!resp.ok) throw new Error(errorText(resp, text));
        input.value = "";
        autoGrow();
        cancelReply();
        $("composer-hint").textContent = "Enter to send · Shift+Enter for a new line";
        schedulePoll(0);
      });
    }).catch(function (err) {
      $("composer-hint").className = "composer-hint composer-error";
      $("composer-hint").textContent = "Not sent: " + err.message;
    }).then(function () {
      btn.disabled = false;
      input.focus();
    });
  }

  function startReply(msg, name) {
    app.replyTo = msg;
    $("thread-target").textContent = name;
    $("thread-banner").hidden = false;
    $("composer").focus();
  }

  function cancelReply() {
    app.replyTo = null;
    $("thread-banner").hidden = true;
  }

  function autoGrow() {
    var input = $("composer");
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }

  function insertMention() {
    var input = $("composer");
    var token = "@" + botName() + " ";
    var start = input.selectionStart === undefined ? input.value.length : input.selectionStart;
    var before = input.value.slice(0, start);
    var after = input.value.slice(input.selectionEnd);
    // Replace a partly typed "@Qua" right before the caret.
    var partial = before.match(/@([\w]*)$/);
    if (partial) before = before.slice(0, before.length - partial[0].length);
    if (before && !/\s$/.test(before)) before += " ";
    input.value = before + token + after;
    var caret = (before + token).length;
    input.setSelectionRange(caret, caret);
    hideMentionMenu();
    autoGrow();
    input.focus();
  }

  function mentionQuery() {
    var input = $("composer");
    if (!app.room || app.room.type !== "group") return null;
    var before = input.value.slice(0, input.selectionStart);
    var m = before.match(/(^|\s)@([\w]*)$/);
    if (!m) return null;
    var q = m[2].toLowerCase();
    var name = botName().toLowerCase();
    var matches = name.split(/\s+/).some(function (part) { return part.indexOf(q) === 0; }) ||
      name.indexOf(q) === 0;
    return matches ? q : null;
  }

  function showMentionMenu() {
    var menu = $("mention-menu");
    if (mentionQuery() === null) { hideMentionMenu(); return; }
    menu.textContent = "";
    var option = el("li", { role: "option", class: "mention-option active", "aria-selected": "true",
      onmousedown: function (e) { e.preventDefault(); insertMention(); } }, [
      el("span", { class: "avatar avatar-small bot-avatar", "aria-hidden": "true" },
        [initials(botName())]),
      el("span", {}, [botName()]),
      el("span", { class: "muted" }, [" · Bot"])
    ]);
    menu.appendChild(option);
    menu.hidden = false;
  }

  function hideMentionMenu() {
    $("mention-menu").hidden = true;
  }

  /* ---------------------------------------------------------------- start */

  function loadState() {
    return fetch("/_sandbox/state", { cache: "no-store" }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    });
  }

  function start(config) {
    app.config = config;
    app.api = sameServer(String(config.api_url || "/v1")).replace(/\/+$/, "");
    var who = $("who");
    who.textContent = "";
    (config.people || []).forEach(function (p) {
      who.appendChild(el("option", { value: p.id }, [
        p.displayName + " <" + p.email + ">" + (p.admin ? " · admin" : "")]));
    });
    who.addEventListener("change", function () {
      var p = findPerson(who.value, null);
      if (p) selectPerson(p);
    });

    var params = new URLSearchParams(location.search);
    var wanted = params.get("as") || params.get("person");
    var stored = null;
    try { stored = localStorage.getItem("sandbox-chat-person"); } catch (e) { /* ignore */ }
    var people = config.people || [];
    var person = people.filter(function (p) { return p.id === wanted || p.email === wanted; })[0] ||
      people.filter(function (p) { return p.email === stored; })[0] ||
      people.filter(function (p) { return p.admin; })[0] || people[0];
    if (!person) { showStatus("The sandbox has no people.", "error"); return; }
    selectPerson(person, params.get("room"));
    document.body.setAttribute("data-ready", "true");
    setInterval(refreshRooms, 5000);
  }

  function wire() {
    var input = $("composer");
    $("composer-form").addEventListener("submit", function (e) { e.preventDefault(); send(); });
    input.addEventListener("keydown", function (e) {
      var menuOpen = !$("mention-menu").hidden;
      if (menuOpen && (e.key === "Enter" || e.key === "Tab")) {
        e.preventDefault();
        insertMention();
        return;
      }
      if (menuOpen && e.key === "Escape") { hideMentionMenu(); return; }
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send();
      }
    });
    input.addEventListener("input", function () { autoGrow(); showMentionMenu(); });
    input.addEventListener("blur", function () { setTimeout(hideMentionMenu, 150); });
    $("mention").addEventListener("click", insertMention);
    $("thread-cancel").addEventListener("click", cancelReply);
    $("messages").addEventListener("scroll", function () {
      $("messages").setAttribute("data-stick", nearBottom() ? "yes" : "no");
    });
  }

  function boot() {
    wire();
    loadState().then(start).catch(function (err) {
      $("room-title").textContent = "Sandbox unavailable";
      showStatus("Cannot read /_sandbox/state: " + err.message + " — retrying…", "error");
      setTimeout(boot2, 2000);
    });
  }

  function boot2() {
    loadState().then(function (config) { showStatus(""); start(config); }).catch(function (err) {
      showStatus("Cannot read /_sandbox/state: " + err.message + " — retrying…", "error");
      setTimeout(boot2, 2000);
    });
  }

  // Exposed for tests and debugging.
  window.sandboxChat = { app: app, renderMarkdown: renderMarkdown, buildMessage: buildMessage };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
