// A minimal webex-node-bot-framework bot, pointed at the sandbox by tests/sandbox/test_node_framework.py.
// The framework has no base-URL option: the webex JS SDK it wraps reads HYDRA_SERVICE_URL (and
// U2C_SERVICE_URL for its service catalogue) from the environment, which the test sets.
// Protocol with the test: one JSON line per event on stdout ({"event": "ready"|"error", ...}).
'use strict';

const http = require('http');
const Framework = require('webex-node-bot-framework');
const webhook = require('webex-node-bot-framework/webhook');

const token = process.env.SMOKE_BOT_TOKEN;
const secret = process.env.SMOKE_WEBHOOK_SECRET;
const say = (event, extra) => process.stdout.write(JSON.stringify({event, ...extra}) + '\n');

const CARD = {
  type: 'AdaptiveCard',
  version: '1.2',
  body: [{type: 'TextBlock', text: 'Pick a colour'}],
  actions: [{type: 'Action.Submit', title: 'Blue', data: {colour: 'blue'}}],
};

let framework;
let presses = 0;
const server = http.createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { raw += chunk; });
  req.on('end', () => {
    res.writeHead(200, {'Content-Type': 'text/plain'});
    res.end('OK');
    try {
      // The framework expects an Express-style request with the parsed JSON under `body`.
      webhook(framework)({headers: req.headers, body: JSON.parse(raw)});
    } catch (err) {
      say('error', {message: String(err)});
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/webex`;
  framework = new Framework({token, webhookUrl: url, webhookSecret: secret});
  framework.hears('hello', (bot, trigger) => {
    bot.say('markdown', `Hello **${trigger.person.displayName}**`);
  });
  framework.hears('card', (bot) => {
    bot.sendCard(CARD, 'Pick a colour (your client cannot show cards)');
  });
  framework.hears('count', (bot) => {
    bot.say(`presses handled: ${presses}`);
  });
  framework.on('attachmentAction', (bot, trigger) => {
    presses += 1;
    bot.say(`pressed ${trigger.attachmentAction.inputs.colour} #${presses}`);
  });
  framework.on('initialized', () => say('ready', {webhookUrl: url, rooms: framework.bots.length}));
  framework.start().catch((err) => say('error', {message: String(err)}));
});

const stop = () => {
  const done = () => process.exit(0);
  (framework ? framework.stop() : Promise.resolve()).then(done, done);
  setTimeout(done, 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);  // the test closes our stdin to stop us
process.stdin.resume();
