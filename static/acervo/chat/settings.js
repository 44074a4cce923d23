/* The composer's settings: the collection and model profile chosen, the temperature and answer-length knobs
   (the chosen profile's defaults as placeholders, its ranges as bounds, a value out of range said next to the
   composer), and the composer's own look (its height, its error line). */

import { S, els, data } from "./page.js";

const { format } = window.Acervo;

const knobInputs = () => [[els.temperature, "temperature"], [els.maxTokens, "max_tokens"]];
const chosenProfile = () => data.profiles[els.profile ? els.profile.value : Object.keys(data.profiles)[0]];

/** The collection and model profile chosen in the composer, as the API takes them. */
export function composerChoices() {
  const choices = { collection: els.collection.value || null };
  if (els.profile?.value) choices.profile = els.profile.value;
  return choices;
}

/** The chosen profile's defaults as placeholders and its ranges as the inputs' bounds. */
export function applyProfile() {
  const knobs = chosenProfile();
  for (const [input, name] of knobInputs()) {
    input.placeholder = knobs[name].default;
    input.min = knobs[name].min;
    input.max = knobs[name].max;
  }
}

/** The knobs set, as the API's `params`; null (and the problem shown) when one is out of its range. */
export function answerParams() {
  const params = {};
  for (const [input, name] of knobInputs()) {
    if (input.value === "") continue;
    const value = Number(input.value);
    const { min, max } = chosenProfile()[name];
    if (!Number.isFinite(value) || value < min || value > max) {
      showComposerError(format(S["invalid_" + name], { min, max }));
      input.setAttribute("aria-invalid", "true");
      input.closest("details").open = true;
      input.focus();
      return null;
    }
    input.removeAttribute("aria-invalid");
    params[name] = value;
  }
  return params;
}

export function showComposerError(text) {
  els.error.textContent = text;
  els.error.hidden = !text;
}

export function autosize() {
  els.question.style.height = "auto";
  els.question.style.height = `${els.question.scrollHeight + 2}px`;
}
