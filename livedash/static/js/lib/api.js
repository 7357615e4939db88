/**
 * The one JSON fetch helper: same-origin credentials, `Accept: application/json`, the parsed
 * body on success and an Error carrying the server's own message otherwise.
 *
 * Decisions:
 * - Every error answer of the app is `{"error": "..."}` (README, "JSON API"), so that message is
 *   what the user sees; a body that is not JSON (a proxy's error page) falls back to the status.
 * - The Error keeps `status` and `body`, so a caller can tell a refusal (4xx) from an outage.
 */

/**
 * @param {string} url
 * @param {RequestInit} [options]  fetch options; headers are merged over the defaults
 * @returns {Promise<any>} the parsed JSON body (null when there is none)
 */
export async function api(url, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const response = await fetch(url, { credentials: "same-origin", ...options, headers });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = new Error(body?.error || `The server answered ${response.status}.`);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}
