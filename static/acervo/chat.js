/* The chat page's entry point (a native ES module, no build step): wires the composer, the messages and the
   keyboard to the modules under chat/, then, on load, shows past answers' chips and the last answer's sources and
   resumes answers still being written. The modules, each owning one concern:

     chat/page.js      the page's data, elements and shared state; small fetch helpers
     chat/stream.js    the answer's event stream: parse, hand on, reconnect
     chat/messages.js  rendering a question and an answer: status, note, quote, versions, thumbs, scrolling
     chat/sources.js   the chips under an answer and the sources panel
     chat/settings.js  the composer's collection, profile and knobs
     chat/ask.js       asking, following and stopping an answer
     chat/actions.js   versions, regenerate, edit, feedback, copy
     conversations.js  the sidebar (a plain script loaded before this one): search, rename, delete, a new item

   Text from the model or from documents only ever reaches the page through textContent. The one HTML string
   inserted is the finished answer as the server rendered and sanitised it (GET /c/messages/<id>/). */

import { data, els, live } from "./chat/page.js";
import { scrollToEnd } from "./chat/messages.js";
import { renderChips, showSources, closeSources } from "./chat/sources.js";
import { applyProfile, autosize } from "./chat/settings.js";
import { submit, resume, stop } from "./chat/ask.js";
import {
  refreshTools, showVersion, regenerate, openEditor, closeEditor, sendEdit, thumb, sendComment, copyAnswer,
} from "./chat/actions.js";

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
