// Talking to the daemon: relative URLs (resolved against the page, so a reverse proxy's sub-path works), the API
// token when the daemon has one, and errors that say which route failed and how.

const TOKEN_KEY = 'logpulse.token';

export class ApiError extends Error {
  /** `status` 0: no answer at all (the daemon is down or restarting). */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * `?token=` in the address moves to sessionStorage (this tab only) and leaves the address, so the token never ends
 * up in a copied link, a bookmark or the history.
 */
export function takeTokenFromAddress() {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  setToken(token);
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url);
}

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** GET `path` with `params` (null/undefined ones left out); the parsed JSON, or an ApiError. */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) query.set(k, String(v));
  const url = query.toString() === '' ? path : `${path}?${query}`;
  const headers = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, { headers, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `/${path}: the daemon does not answer (${err.message})`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) throw new ApiError(response.status, `/${path}: ${response.status} ${body?.error ?? response.statusText}`);
  return body;
}

/** The live feed's URL: EventSource cannot send headers, so the token goes as `access_token` (accepted on /events only). */
export function eventsUrl() {
  const token = getToken();
  return token ? `events?access_token=${encodeURIComponent(token)}` : 'events';
}
