/* Asking and following one answer at a time: POST the question to the chat API, follow the answer's events
   (queued, sources, quote, tokens, done or error) into its message, stop it on request, and on `done` swap the
   streamed plain text for the server's rendering. A stream left unfinished by a reload is resumed from here too. */

import { data, S, $, els, live, url, sourcesOf, quoteOf, element, errorText, fetchDetail } from "./page.js";
import { openStream, follow } from "./stream.js";
import {
  addUserMessage, addAssistantMessage, answerOf, clearAnswer, quoteBlock, setStatus, fail, stoppedLocally, showDetail,
  nearEnd, scrollToEnd,
} from "./messages.js";
import { renderChips, showSources, weakReason } from "./sources.js";
import { composerChoices, answerParams, showComposerError, autosize } from "./settings.js";
import { refreshTools } from "./actions.js";

const { csrfToken, format } = window.Acervo;

export async function submit() {
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
export async function resume(article, messageId) {
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

export async function stop() {
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
    // `done` names the cited passages, with the support check's verdict once it runs: each source is its passage
    // with its citation's fields over it (retrieval.contracts.payloads.Citation), as the page data has them.
    const verdicts = new Map((done.citations || []).map((c) => [c.n, c]));
    sourcesOf.set(messageId, (done.sources || []).map((source) => {
      const cited = verdicts.get(source.n);
      return { ...source, weak: false, attributed: false, ...cited, cited: Boolean(cited),
               weak_reason: cited ? weakReason(cited) : "" };
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
