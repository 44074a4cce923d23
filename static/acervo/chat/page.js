/* The chat page's shared ground, owned by no single part: the data the server rendered into the page (URLs,
   strings, the sources and quotes of the answers shown), the page's elements, and the state every part reads —
   the answer being followed, the sources in the panel, the open conversation. Plus the small fetch helpers they
   share. No behaviour of its own: the other modules import from here, never the other way round. */

const { csrfToken, format, apiError } = window.Acervo;

export const data = JSON.parse(document.getElementById("page-data").textContent);
export const S = data.strings;
export const $ = (id) => document.getElementById(id);
export const els = {
  messages: $("messages"), form: $("composer"), question: $("question"), send: $("send"), stop: $("stop"),
  collection: $("collection"), profile: $("profile"), temperature: $("temperature"), maxTokens: $("max-tokens"),
  error: $("composer-error"),
  panel: $("sources-panel"), list: $("source-list"), hint: $("sources-hint"), heading: $("sources-heading"),
  close: $("sources-close"), template: $("message-template"), questionTemplate: $("question-template"),
  editTemplate: $("edit-template"),
};

// Each answer's passages, by message id.
export const sourcesOf = new Map(Object.entries(data.sources).map(([id, list]) => [Number(id), list]));
// The verbatim answer quote of each answer that has one: {n, text, start, end} within passage n's text.
export const quoteOf = new Map(Object.entries(data.quotes || {}).map(([id, quote]) => [Number(id), quote]));
// The answers whose sources already carry the text around each passage (from GET /c/messages/<id>/).
export const withContext = new Set();

/** What the parts share and change: `current` is the answer being followed (one at a time), `shown` what the
    sources panel shows and who opened it, `conversationId` the conversation the next question joins. */
export const live = {
  conversationId: data.conversationId,
  current: null,
  shown: { messageId: null, n: null, opener: null },
};

export const url = (pattern, id) => pattern.replace("/0/", `/${id}/`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new element with a class and text (always textContent: model and document text is never HTML here). */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** An API error response in the page's words. */
export async function errorText(response) {
  if (response.status === 401 || response.redirected) return S.session;
  const error = await apiError(response);
  if (error && error.code === "quota_exceeded") return error.message; // says, in words, when to ask again
  if (error && S[error.code]) return S[error.code];
  return format(S.error, { message: error ? error.message : `${response.status} ${response.statusText}` });
}

/** POST a JSON body to `pattern` for message `id`: the response, or null when the network failed. */
export async function postJson(pattern, id, body) {
  try {
    return await fetch(url(pattern, id), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body),
    });
  } catch (error) {
    return null;
  }
}

/** A finished answer as the server renders it (GET /c/messages/<id>/), or null. */
export async function fetchDetail(messageId) {
  try {
    const response = await fetch(url(data.urls.message, messageId), { credentials: "same-origin" });
    return response.ok ? await response.json() : null;
  } catch (error) {
    return null;
  }
}
