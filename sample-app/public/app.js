// The demo page: plain JavaScript over the browser client, no build step.
import { createTokenClient } from '/client/index.mjs';

const $ = (id) => document.getElementById(id);
const settings = await (await fetch('/page-config.json')).json();
const query = new URLSearchParams(location.search);

const WHY = {
  logout: 'You logged out.',
  revoked: 'You were logged out: this session was revoked (from another session or device).',
  reused: 'You were logged out because the session was compromised: its refresh token was used twice (someone else had a copy), so the server revoked the session everywhere.',
  expired: 'You were logged out: the session expired.',
  unknown: 'You were logged out: the server no longer knows this session.',
};

const client = createTokenClient({
  baseUrl: location.origin,
  mode: settings.mode,
  cookies: settings.cookies,
  // DPOP=optional|required on the server: the client binds each login to a key it keeps in IndexedDB.
  dpop: settings.dpop,
  // ?ahead=0 turns off renewing ahead of expiry (the browser tests use it to watch the 401 path).
  ahead: query.get('ahead') === '0' ? false : undefined,
  onLogout: (reason) => {
    notice(WHY[reason] ?? `You were logged out (${reason}).`, reason !== 'logout');
    document.body.dataset.logout = reason;
    render();
  },
  onRefresh: (event) => logRefresh(event),
});
// For the console (and the browser tests).
window.client = client;

$('mode').textContent = `${settings.mode} mode${settings.cookies ? ' · cookie transport' : ''}${settings.dpop ? ' · DPoP' : ''}`;
$('renew').textContent = settings.mode === 'rotate' ? 'Refresh now' : 'Extend now';

function notice(text, error = false) {
  const element = $('notice');
  element.textContent = text;
  element.className = error ? 'error' : '';
  element.hidden = !text;
}

const CAUSE = { ahead: 'ahead of expiry', expired: 'after the token expired', manual: 'on demand' };

function logRefresh({ kind, status, expiry, reason, cause }) {
  const item = document.createElement('li');
  const when = new Date().toLocaleTimeString();
  const result = status >= 200 && status < 300 ? `ok, now expires ${new Date(expiry).toLocaleTimeString()}` : `failed ${status}${reason ? ` (${reason})` : ''}`;
  item.textContent = `${when} ${kind} ${CAUSE[cause]}: ${result}`;
  item.className = status >= 200 && status < 300 ? 'ok' : 'failed';
  $('refreshes').prepend(item);
}

function render() {
  const { loggedIn, user } = client.state();
  $('signed-out').hidden = loggedIn;
  $('signed-in').hidden = !loggedIn;
  if (loggedIn) {
    $('user').textContent = user?.username ?? user?.id ?? '?';
    void loadSessions();
  }
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? '–';
  if (className) td.className = className;
  return td;
}

async function loadSessions() {
  let sessions;
  try {
    sessions = await client.sessions();
  } catch (error) {
    if (error.status !== 401) notice(`Could not list sessions: ${error.message}`, true);
    return;
  }
  const body = $('sessions');
  body.replaceChildren();
  for (const session of sessions) {
    const row = body.insertRow();
    row.dataset.id = session.id;
    if (session.current) row.className = 'current';
    cell(row, `${session.name ?? 'unnamed'}${session.current ? ' (this one)' : ''}`);
    cell(row, session.ip);
    cell(row, session.userAgent, 'agent').title = session.userAgent ?? '';
    cell(row, session.lastUsedAt && new Date(session.lastUsedAt).toLocaleTimeString());
    cell(row, session.expiry && new Date(session.expiry).toLocaleString());
    const actions = row.insertCell();
    if (!session.current) {
      const button = document.createElement('button');
      button.textContent = 'Revoke';
      button.className = 'revoke';
      button.onclick = async () => {
        await client.revoke(session.id).catch((error) => notice(error.message, true));
        await loadSessions();
      };
      actions.append(button);
    }
  }
}

function tick() {
  const { loggedIn, expiry } = client.state();
  if (!loggedIn) return;
  const left = expiry === null ? null : Math.round((expiry - Date.now()) / 1000);
  $('countdown').textContent = left === null ? 'never' : left > 0 ? `${left} s` : 'expired (renewed at the next request)';
}
setInterval(tick, 250);

async function credentials() {
  const form = new FormData($('login-form'));
  return { username: String(form.get('username')), password: String(form.get('password')), name: String(form.get('name') || 'browser') };
}

$('login-form').onsubmit = async (event) => {
  event.preventDefault();
  const { username, password, name } = await credentials();
  try {
    await client.login(username, password, { name });
    notice('');
    delete document.body.dataset.logout;
    render();
  } catch (error) {
    notice(error.status === 429 ? `Too many attempts; try again in ${error.body.retryAfter} s.` : error.message, true);
  }
};

$('register').onclick = async () => {
  const { username, password } = await credentials();
  const response = await fetch('/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = await response.json().catch(() => ({}));
  notice(response.ok ? `Registered ${body.username}; now log in.` : body.message ?? `Registration failed (${response.status}).`, !response.ok);
};

$('call-me').onclick = async () => {
  const response = await client('/me');
  $('me-result').textContent = `GET /me → ${response.status} ${JSON.stringify(await response.json().catch(() => null))}`;
};
$('renew').onclick = () => (settings.mode === 'rotate' ? client.refresh() : client.extend());
$('logout').onclick = () => client.logout();
$('reload-sessions').onclick = () => loadSessions();
$('logout-others').onclick = async () => {
  await client.logoutOthers().catch((error) => notice(error.message, true));
  await loadSessions();
};

render();
document.body.dataset.ready = '1';
