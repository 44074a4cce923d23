/* What a person does to a finished answer: step through its versions, regenerate the last answer, edit and
   resend the last question, give it a thumb and a comment, copy it. Only the last answer can be regenerated and
   only its question edited, once it has ended (refreshTools). */

import { data, S, els, live, sourcesOf, errorText, fetchDetail, postJson } from "./page.js";
import { answerOf, clearAnswer, setNote, showDetail, versionsOf, showVersions, showThumbs } from "./messages.js";
import { renderChips, showSources } from "./sources.js";
import { composerChoices, answerParams, showComposerError } from "./settings.js";
import { resume } from "./ask.js";

const FINISHED = ["done", "cancelled", "error"];

/** Only the last answer can be regenerated and only its question edited, once it has ended. */
export function refreshTools() {
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
export async function showVersion(article, step) {
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

export async function regenerate(article) {
  const error = await redo(article);
  if (error) showComposerError(error);
}

export function openEditor(asked) {
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

export function closeEditor(asked) {
  asked.querySelector(".edit-form")?.remove();
  asked.querySelector(".bubble").hidden = false;
  refreshTools();
}

export async function sendEdit(form) {
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

export async function thumb(article, button) {
  const form = article.querySelector(".feedback-form");
  const withdraw = button.getAttribute("aria-pressed") === "true";
  const thumbs = withdraw ? "" : button.dataset.thumbs;
  const feedback = await sendFeedback(article, thumbs, withdraw ? "" : form.comment.value);
  if (!feedback) return;
  form.hidden = feedback.thumbs_up === null;
  if (feedback.thumbs_up === null) form.comment.value = "";
}

export async function sendComment(form) {
  const article = form.closest(".message.assistant");
  const feedback = await sendFeedback(article, chosenThumbs(article), form.comment.value);
  if (!feedback) return;
  form.hidden = true;
  article.querySelector(".feedback-thanks").textContent = S.feedback_thanks;
  article.querySelector(`.thumb[data-thumbs="${chosenThumbs(article)}"]`)?.focus();
}

export async function copyAnswer(button, article) {
  try {
    await navigator.clipboard.writeText(answerOf(article).innerText.trim());
    button.textContent = S.copied;
    setTimeout(() => (button.textContent = S.copy), 1500);
  } catch (error) {
    window.getSelection().selectAllChildren(answerOf(article));
  }
}
