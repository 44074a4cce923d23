/* The chat page (a native ES module, no build step): ask through POST /api/v1/chat, follow the answer's event
   stream, show its sources; regenerate the last answer, edit and resend the last question, give feedback on an
   answer. Being split by concern into modules under chat/ (issue 16): the parts already there are imported.

   Text from the model or from documents only ever reaches the page through textContent. The one HTML
   string inserted is the finished answer as the server rendered and sanitised it (GET /c/messages/<id>/). */

import { data, S, $, els, live, url, sourcesOf, quoteOf, element, errorText, fetchDetail, postJson } from "./chat/page.js";
import { composerChoices, answerParams, showComposerError, autosize, applyProfile } from "./chat/settings.js";
import { addUserMessage, addAssistantMessage, answerOf, clearAnswer, quoteBlock, setStatus, fail, stoppedLocally, showDetail, nearEnd, scrollToEnd, setNote, versionsOf, showVersions, showThumbs } from "./chat/messages.js";
import { openStream, follow } from "./chat/stream.js";
import { renderChips, showSources, weakReason, closeSources } from "./chat/sources.js";

const { csrfToken, format } = window.Acervo;

// --- ask -----------------------------------------------------------------------------------------

async function submit() {
  if (live.current) return;
  const question = els.question.value.trim();
  if (!question) return els.question.focus();
  const params = answerParams();
  if (!params) return;
  showComposerError("");
  $("welcome")?.remove();
  addUserMessage(question);
  const state = newState(addAssistantMessage());
  els.question.value = "";
  autosize();
  scrollToEnd(true);
  const body = { question, stream: true, conversation_id: live.conversationId, ...composerChoices(), params };
  await run(state, async () => {
    const response = await fetch(data.urls.ask, {
      method: "POST", credentials: "same-origin", signal: state.controller.signal,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body),
    });
    if (!response.ok) {
      fail(state, await errorText(response));
      els.question.value = question; // nothing was asked: let the person try again as is
      return autosize();
    }
    state.messageId = Number(response.headers.get("X-Message-Id")) || null;
    await follow(state, response, handle);
  });
}

/** Follow the answer `messageId` (already asked) into `article`, from its first event. */
async function resume(article, messageId) {
  const state = newState(article);
  state.messageId = messageId;
  await run(state, async () => follow(state, await openStream(state), handle));
}

function newState(article) {
  article.dataset.state = "waiting";
  setStatus(article, S.searching);
  return { article, messageId: null, lastEventId: "0", controller: new AbortController(), stopped: false };
}

async function run(state, body) {
  live.current = state;
  setBusy(true);
  try {
    await body();
  } catch (error) {
    if (state.stopped) stoppedLocally(state);
    else fail(state, S.network);
  } finally {
    live.current = null;
    setBusy(false);
    refreshTools();
    els.question.focus();
  }
}

async function stop() {
  if (!live.current || live.current.stopped) return;
  live.current.stopped = true;
  els.stop.disabled = true;
  if (!live.current.messageId) return live.current.controller.abort();
  try {
    // The stream then ends on its own with `done` (finish_reason "cancelled").
    await fetch(url(data.urls.cancel, live.current.messageId), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    });
  } catch (error) {
    live.current.controller.abort();
  }
}

function setBusy(busy) {
  els.send.hidden = busy;
  els.stop.hidden = !busy;
  els.stop.disabled = false;
}

/** Returns true when the answer has ended. */
async function handle(state, { name, data: payload }) {
  const { article } = state;
  if (name === "queued") {
    setStatus(article, format(S.queued, { position: payload.position }));
  } else if (name === "sources") {
    state.messageId = payload.message_id;
    article.dataset.messageId = payload.message_id;
    if (live.conversationId !== payload.conversation_id) rememberConversation(payload.conversation_id);
    clearAnswer(article); // a resumed stream replays from its first event
    sourcesOf.set(payload.message_id, payload.passages);
    renderChips(article);
    showSources(payload.message_id);
    setStatus(article, S.writing);
  } else if (name === "quote") {
    // The verbatim quote comes before any token: it is the first text the reader sees.
    quoteOf.set(state.messageId, payload);
    article.querySelector(".quote-block")?.remove();
    answerOf(article).before(quoteBlock(payload));
    setStatus(article, S.writing);
    if (live.shown.messageId === state.messageId) showSources(state.messageId, live.shown.n);
  } else if (name === "token") {
    if (article.dataset.state !== "streaming") {
      article.dataset.state = "streaming";
      setStatus(article, "");
    }
    const stick = nearEnd();
    answerOf(article).append(payload.text);
    if (stick) scrollToEnd();
  } else if (name === "done") {
    await finish(state, payload);
    return true;
  } else if (name === "error") {
    fail(state, S[payload.code] || format(S.error, { message: payload.message || payload.code }));
    return true;
  }
  return false;
}

/** Swap the streamed plain text for the server's sanitised rendering, with its sources in context. */
async function finish(state, done) {
  const { article, messageId } = state;
  const detail = await fetchDetail(messageId);
  if (detail) {
    showDetail(article, messageId, detail);
  } else {
    answerOf(article).textContent = done.answer || "";
    article.dataset.outcome = done.outcome || "";
    if (S[done.outcome] && done.outcome !== "answered") answerOf(article).prepend(element("strong", "outcome-title", S[done.outcome]), " ");
    // `done` names the cited passages, with the support check's verdict once it runs.
    const verdicts = new Map((done.citations || []).map((c) => [c.n, c]));
    sourcesOf.set(messageId, (done.sources || []).map((source) => {
      const cited = verdicts.get(source.n);
      return { ...source, cited: Boolean(cited), weak: Boolean(cited?.weak), weak_reason: cited ? weakReason(cited) : "",
               attributed: Boolean(cited?.attributed) };
    }));
  }
  setStatus(article, "");
  article.dataset.state = detail ? detail.status : done.finish_reason === "cancelled" ? "cancelled" : "done";
  $("announcer").textContent = S.answered; // the streamed text itself is not announced, token by token
  renderChips(article);
  if (live.shown.messageId === messageId || live.shown.messageId === null) showSources(messageId, live.shown.n);
  if (nearEnd(240)) scrollToEnd();
}

/** The first answer of a new conversation names it: the address becomes the conversation's, and the sidebar
    lists it first, titled with the question. */
function rememberConversation(id) {
  const asked = els.messages.querySelectorAll(".message.user .bubble");
  const title = asked.length ? asked[asked.length - 1].textContent : "";
  live.conversationId = id;
  history.replaceState(null, "", url(data.urls.conversation, id));
  window.Acervo.conversationStarted(id, title.slice(0, 80));
}

// --- actions -------------------------------------------------------------------------------------

const FINISHED = ["done", "cancelled", "error"];

/** Only the last answer can be regenerated and only its question edited, once it has ended. */
function refreshTools() {
  for (const article of els.messages.querySelectorAll(".message.assistant")) showVersions(article);
  for (const button of els.messages.querySelectorAll(".regenerate, .edit-question")) button.hidden = true;
  const answer = els.messages.lastElementChild;
  if (live.current || !answer?.matches(".message.assistant[data-message-id]:not([data-message-id=''])")) return;
  if (!FINISHED.includes(answer.dataset.state)) return;
  answer.querySelector(".regenerate").hidden = false;
  const asked = answer.previousElementSibling;
  if (asked?.matches(".message.user") && !asked.querySelector(".edit-form")) asked.querySelector(".edit-question").hidden = false;
}

/** Show another version of the answer in its place: its text, sources, settings and feedback. */
async function showVersion(article, step) {
  const versions = versionsOf(article);
  const target = versions[versions.indexOf(Number(article.dataset.messageId)) + step];
  if (live.current || target === undefined) return;
  const detail = await fetchDetail(target);
  if (!detail) return;
  const wasShown = live.shown.messageId === Number(article.dataset.messageId);
  article.dataset.messageId = target;
  article.dataset.state = detail.status;
  showDetail(article, target, detail);
  showThumbs(article, detail.feedback ? detail.feedback.thumbs_up : null);
  article.querySelector(".feedback-form").hidden = true;
  article.querySelector(".feedback-form textarea").value = detail.feedback ? detail.feedback.comment : "";
  article.querySelector(".feedback-thanks").textContent = "";
  renderChips(article);
  if (wasShown) showSources(target);
  refreshTools();
}

// --- Redoing the last exchange ------------------------------------------------------------------

/** Ask for a new answer in place of `article` (to `question` when given, else to the same question) with the
    composer's settings, then follow it. Returns an error text, or "" once the new answer has started. */
async function redo(article, question) {
  if (live.current) return "";
  const params = answerParams();
  if (!params) return "";
  showComposerError("");
  const body = { ...composerChoices(), params };
  if (question !== undefined) body.question = question;
  const endpoint = question === undefined ? data.urls.regenerate : data.urls.edit;
  const response = await postJson(endpoint, article.dataset.messageId, body);
  if (!response) return S.network;
  if (!response.ok || response.redirected) return errorText(response);
  const { message_id: messageId } = await response.json();
  if (question !== undefined) article.previousElementSibling.querySelector(".bubble").textContent = question;
  // Regenerating adds a version (the earlier ones stay, ‹ 1/2 ›); an edited question starts over.
  article.dataset.versions = (question === undefined ? [...versionsOf(article), messageId] : [messageId]).join(",");
  resetAnswer(article, messageId);
  resume(article, messageId);
  return "";
}

function resetAnswer(article, messageId) {
  sourcesOf.delete(Number(article.dataset.messageId));
  article.dataset.messageId = messageId;
  clearAnswer(article);
  setNote(article, "");
  article.querySelector(".source-chips").replaceChildren();
  article.querySelector(".answer-settings-used").textContent = "";
  showThumbs(article, null);
  article.querySelector(".feedback-form").hidden = true;
  article.querySelector(".feedback-form textarea").value = "";
  article.querySelector(".feedback-thanks").textContent = "";
  if (live.shown.messageId !== null && !sourcesOf.has(live.shown.messageId)) showSources(messageId);
  showVersions(article);
}

async function regenerate(article) {
  const error = await redo(article);
  if (error) showComposerError(error);
}

function openEditor(asked) {
  const bubble = asked.querySelector(".bubble");
  const form = els.editTemplate.content.firstElementChild.cloneNode(true);
  const input = form.querySelector("textarea");
  input.value = bubble.textContent;
  bubble.hidden = true;
  asked.querySelector(".edit-question").hidden = true;
  bubble.after(form);
  input.style.height = `${Math.min(input.scrollHeight + 2, window.innerHeight * 0.4)}px`;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

function closeEditor(asked) {
  asked.querySelector(".edit-form")?.remove();
  asked.querySelector(".bubble").hidden = false;
  refreshTools();
}

async function sendEdit(form) {
  const asked = form.closest(".message.user");
  const text = form.querySelector("textarea").value.trim();
  const error = form.querySelector(".edit-error");
  if (!text) return form.querySelector("textarea").focus();
  for (const button of form.querySelectorAll("button")) button.disabled = true;
  const problem = await redo(asked.nextElementSibling, text);
  if (problem) {
    for (const button of form.querySelectorAll("button")) button.disabled = false;
    error.textContent = problem;
    error.hidden = false;
    return;
  }
  closeEditor(asked);
}

// --- Feedback and copying -----------------------------------------------------------------------

const chosenThumbs = (article) => article.querySelector(".thumb[aria-pressed='true']")?.dataset.thumbs || "";

async function sendFeedback(article, thumbs, comment) {
  const thanks = article.querySelector(".feedback-thanks");
  const response = await postJson(data.urls.feedback, article.dataset.messageId, { thumbs, comment });
  if (!response || !response.ok || response.redirected) {
    thanks.textContent = response ? await errorText(response) : S.network;
    return null;
  }
  const feedback = await response.json();
  showThumbs(article, feedback.thumbs_up);
  thanks.textContent = "";
  return feedback;
}

async function thumb(article, button) {
  const form = article.querySelector(".feedback-form");
  const withdraw = button.getAttribute("aria-pressed") === "true";
  const thumbs = withdraw ? "" : button.dataset.thumbs;
  const feedback = await sendFeedback(article, thumbs, withdraw ? "" : form.comment.value);
  if (!feedback) return;
  form.hidden = feedback.thumbs_up === null;
  if (feedback.thumbs_up === null) form.comment.value = "";
}

async function sendComment(form) {
  const article = form.closest(".message.assistant");
  const feedback = await sendFeedback(article, chosenThumbs(article), form.comment.value);
  if (!feedback) return;
  form.hidden = true;
  article.querySelector(".feedback-thanks").textContent = S.feedback_thanks;
  article.querySelector(`.thumb[data-thumbs="${chosenThumbs(article)}"]`)?.focus();
}

async function copyAnswer(button, article) {
  try {
    await navigator.clipboard.writeText(answerOf(article).innerText.trim());
    button.textContent = S.copied;
    setTimeout(() => (button.textContent = S.copy), 1500);
  } catch (error) {
    window.getSelection().selectAllChildren(answerOf(article));
  }
}

// --- wiring and on load ----------------------------------------------------------------------------

els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});
els.question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});
els.question.addEventListener("input", autosize);
els.stop.addEventListener("click", stop);
els.close.addEventListener("click", closeSources);
els.messages.addEventListener("click", (event) => {
  const cite = event.target.closest("button[data-n]");
  const article = event.target.closest(".message.assistant");
  if (cite && article?.dataset.messageId) {
    showSources(Number(article.dataset.messageId), Number(cite.dataset.n), { open: true, opener: cite });
    return;
  }
  const button = event.target.closest("button");
  if (!button) return;
  const asked = event.target.closest(".message.user");
  if (button.matches(".copy-answer")) copyAnswer(button, article);
  else if (button.matches(".regenerate")) regenerate(article);
  else if (button.matches(".version-prev")) showVersion(article, -1);
  else if (button.matches(".version-next")) showVersion(article, 1);
  else if (button.matches(".thumb")) thumb(article, button);
  else if (button.matches(".feedback-close")) {
    button.form.hidden = true;
    article.querySelector(".thumb[aria-pressed='true']")?.focus();
  } else if (button.matches(".edit-question")) openEditor(asked);
  else if (button.matches(".edit-cancel")) {
    closeEditor(asked);
    asked.querySelector(".edit-question").focus();
  }
});
els.messages.addEventListener("submit", (event) => {
  event.preventDefault();
  if (event.target.matches(".feedback-form")) sendComment(event.target);
  else if (event.target.matches(".edit-form")) sendEdit(event.target);
});
els.messages.addEventListener("keydown", (event) => {
  const form = event.target.closest(".edit-form");
  if (!form) return;
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  } else if (event.key === "Escape") {
    event.stopPropagation();
    const asked = form.closest(".message.user");
    closeEditor(asked);
    asked.querySelector(".edit-question").focus();
  }
});
// Escape undoes one thing, the most recent first: the answer being written, the sources panel, the sidebar.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (live.current) return stop();
  if (closeSources()) return;
  window.Acervo.closeSidebar();
});

els.profile?.addEventListener("change", applyProfile);
applyProfile();

// --- On load: chips for past answers, the last answer's sources, and resume unfinished ones ---
const assistants = [...els.messages.querySelectorAll(".message.assistant[data-message-id]")];
for (const article of assistants) renderChips(article);
const last = assistants.filter((a) => !data.resume.includes(Number(a.dataset.messageId))).pop();
if (last) showSources(Number(last.dataset.messageId));
for (const id of data.resume) {
  const article = els.messages.querySelector(`.message[data-message-id="${id}"]`);
  if (article) resume(article, id);
}
refreshTools();
scrollToEnd(true);
if (!data.resume.length) els.question.focus();
