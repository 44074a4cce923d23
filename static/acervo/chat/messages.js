/* The messages in the conversation: add a question and an answer from the page's templates, show an answer's
   status, note, quote and finished rendering, its versions (‹ 1/2 ›) and thumbs, and keep the list scrolled.
   Text from the model or from documents only reaches the page through textContent; the one HTML string inserted
   is the finished answer as the server rendered and sanitised it (showDetail). */

import { S, els, live, sourcesOf, quoteOf, withContext, element } from "./page.js";

const { format } = window.Acervo;

export function addUserMessage(text) {
  const article = els.questionTemplate.content.firstElementChild.cloneNode(true);
  article.querySelector(".bubble").textContent = text;
  els.messages.append(article);
}

export function addAssistantMessage() {
  const article = els.template.content.firstElementChild.cloneNode(true);
  els.messages.append(article);
  return article;
}

export const answerOf = (article) => article.querySelector(".answer");

/** Back to an empty answer, without quote or outcome, as the template renders one still waiting. */
export function clearAnswer(article) {
  article.querySelector(".answer-body").replaceChildren(element("div", "answer"));
  article.dataset.outcome = "";
}

/** The "From the documents" block: the quote's words verbatim, its [n] opening the passage. */
export function quoteBlock(quote) {
  const figure = element("figure", "quote-block");
  const caption = element("figcaption", "quote-label", S.from_documents + " ");
  const cite = element("button", "cite", quote.n);
  cite.type = "button";
  cite.dataset.n = quote.n;
  cite.setAttribute("aria-label", format(S.source, { n: quote.n }));
  caption.append(cite);
  figure.append(caption, element("blockquote", "quote-text", quote.text));
  return figure;
}

export function setStatus(article, text) {
  article.querySelector(".status").textContent = text;
}

export function setNote(article, text) {
  const note = article.querySelector(".note");
  note.textContent = text || "";
  note.hidden = !text;
}

export function fail(state, text) {
  state.article.dataset.state = "error";
  setStatus(state.article, "");
  setNote(state.article, text);
}

export function stoppedLocally(state) {
  state.article.dataset.state = "cancelled";
  setStatus(state.article, "");
  setNote(state.article, S.stopped);
}

/** Show the server's rendering of a finished answer, with its sources in context. */
export function showDetail(article, messageId, detail) {
  // Rendered by templates/chat/answer_body.html; the answer in it is sanitised by rendering.render_answer.
  article.querySelector(".answer-body").innerHTML = detail.body_html;
  article.dataset.outcome = detail.outcome || "";
  if (detail.quote) quoteOf.set(messageId, detail.quote);
  article.querySelector(".answer-settings-used").textContent = detail.settings;
  setNote(article, detail.note);
  sourcesOf.set(messageId, detail.sources);
  withContext.add(messageId);
  article.dataset.versions = (detail.versions || [messageId]).join(",");
  showVersions(article);
}

// --- Versions of a regenerated answer (‹ 1/2 ›) and its thumbs ---------------------------------

export const versionsOf = (article) => (article.dataset.versions || "").split(",").filter(Boolean).map(Number);

export function showVersions(article) {
  const versions = versionsOf(article);
  const at = versions.indexOf(Number(article.dataset.messageId));
  const nav = article.querySelector(".versions");
  nav.hidden = versions.length < 2 || at < 0;
  if (nav.hidden) return;
  const count = nav.querySelector(".version-count");
  count.textContent = `${at + 1}/${versions.length}`;
  count.title = format(S.version, { n: at + 1, count: versions.length });
  nav.querySelector(".version-prev").disabled = Boolean(live.current) || at === 0;
  nav.querySelector(".version-next").disabled = Boolean(live.current) || at === versions.length - 1;
}

export function showThumbs(article, thumbsUp) {
  for (const button of article.querySelectorAll(".thumb")) {
    const pressed = thumbsUp !== null && (button.dataset.thumbs === "up") === thumbsUp;
    button.setAttribute("aria-pressed", String(pressed));
  }
}

// --- Scrolling ----------------------------------------------------------------------------------

export function nearEnd(margin = 80) {
  const box = els.messages;
  return box.scrollHeight - box.scrollTop - box.clientHeight < margin;
}

export function scrollToEnd(force = false) {
  if (force || nearEnd(100000)) els.messages.scrollTop = els.messages.scrollHeight;
}
