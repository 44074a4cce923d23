/* The sources: each answer's chips under it and the sources panel beside the conversation — the passages of one
   answer, the one a citation points to highlighted, the answer quote's words set apart in its passage, the
   support check's verdict and a deleted document said in words, and the text around each passage fetched once
   the answer has ended. */

import { S, els, $, live, sourcesOf, quoteOf, withContext, element, fetchDetail } from "./page.js";

const { format } = window.Acervo;

export function renderChips(article) {
  const list = sourcesOf.get(Number(article.dataset.messageId)) || [];
  const box = article.querySelector(".source-chips");
  box.replaceChildren(...list.map((source) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip" + (source.cited === false ? " uncited" : "") + (source.weak ? " weak" : "")
      + (source.document_deleted ? " deleted" : "");
    chip.dataset.n = source.n;
    chip.setAttribute("aria-label", sourceLabel(source));
    if (source.weak || source.document_deleted) chip.title = [source.weak && S.weak, source.document_deleted && S.source_deleted].filter(Boolean).join(" · ");
    const n = document.createElement("span");
    n.className = "n";
    n.textContent = source.n;
    const title = document.createElement("span");
    title.className = "t";
    title.textContent = source.title;
    chip.append(n, title);
    return chip;
  }));
}

/** Show a message's sources in the panel; with `n`, highlight that source and bring it into view. */
export function showSources(messageId, n = null, { open = false, opener = null } = {}) {
  const list = sourcesOf.get(messageId) || [];
  live.shown = { messageId, n, opener: opener || live.shown.opener };
  const refused = els.messages.querySelector(`.message[data-message-id="${messageId}"]`)?.dataset.outcome === "refused";
  const heading = refused ? S.closest_sources : S.sources_count;
  els.heading.textContent = list.length ? format(heading, { count: list.length }) : S.sources;
  els.hint.textContent = list.length ? "" : S.no_sources;
  els.hint.hidden = list.length > 0;
  els.list.replaceChildren(...list.map((source) => sourceCard(messageId, source, source.n === n)));
  for (const button of els.messages.querySelectorAll("button.cite[aria-pressed]")) button.removeAttribute("aria-pressed");
  if (n !== null) {
    const article = els.messages.querySelector(`.message[data-message-id="${messageId}"]`);
    for (const button of article?.querySelectorAll(`button.cite[data-n="${n}"]`) || []) button.setAttribute("aria-pressed", "true");
    if (open) els.panel.classList.add("open");
    const card = $(`source-${messageId}-${n}`);
    if (card) {
      card.scrollIntoView({ block: "start", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
      if (open) card.focus({ preventScroll: true });
    }
  }
  if (messageId !== null && !withContext.has(messageId)) addContext(messageId);
}

/** Close the panel (on a phone it covers the conversation); true when it was open. */
export function closeSources() {
  if (!els.panel.classList.contains("open")) return false;
  els.panel.classList.remove("open");
  live.shown.opener?.focus();
  return true;
}

async function addContext(messageId) {
  const article = els.messages.querySelector(`.message[data-message-id="${messageId}"]`);
  if (!article || ["waiting", "streaming"].includes(article.dataset.state)) return;
  withContext.add(messageId);
  const detail = await fetchDetail(messageId);
  if (!detail) return withContext.delete(messageId);
  sourcesOf.set(messageId, detail.sources);
  renderChips(article);
  if (live.shown.messageId === messageId) showSources(messageId, live.shown.n);
}

function sourceCard(messageId, source, active) {
  const classes = ["source", source.cited === false && "uncited", source.weak && "weak", active && "active"];
  const item = element("li", classes.filter(Boolean).join(" "));
  item.id = `source-${messageId}-${source.n}`;
  item.tabIndex = -1;
  item.setAttribute("aria-label", sourceLabel(source));
  const top = element("div", "source-top");
  top.append(element("span", "source-n", source.n), element("span", "source-title", source.title));
  if (source.document_deleted) top.append(element("span", "badge deleted", S.source_deleted));
  if (source.weak) top.append(element("span", "badge weak", S.weak));
  else if (source.attributed) top.append(element("span", "badge attributed", S.attributed));
  else if (source.cited) top.append(element("span", "badge", S.cited));
  item.append(top);
  // The parser's location ("p. 2", "slide 3 — Title", "Sheet1, rows 2–40") already says the page when it has one.
  const where = [source.location || (source.page ? format(S.page, { page: source.page }) : ""), source.heading_path].filter(Boolean);
  if (where.length) item.append(element("p", "source-where", where.join(" · ")));
  if (source.weak) item.append(element("p", "source-why", format(S.weak_why, { reason: source.weak_reason || "" }).trim()));
  else if (source.attributed) item.append(element("p", "source-why", S.attributed_why));
  if (source.document_deleted) item.append(element("p", "source-why deleted", S.source_deleted_why));
  const passage = element("blockquote", "passage");
  if (source.before) passage.append(element("span", "context", source.before));
  passage.append(passageMark(source, quoteOf.get(messageId)));
  if (source.after) passage.append(element("span", "context", source.after));
  item.append(passage);
  if (source.original_url && !source.document_deleted) {
    const link = element("a", "", S.open_original);
    link.href = source.original_url;
    link.target = "_blank";
    link.rel = "noopener";
    const actions = element("p", "source-actions");
    actions.append(link);
    item.append(actions);
  }
  return item;
}

/** The support check's verdict in the page's language, from its code; the English reason for a code it lacks. */
export function weakReason(cited) {
  const params = cited.weak_params || {};
  const key = { number_missing: "numbers", name_missing: "names", few_words: "words" }[cited.weak_code];
  const items = key ? (params[key] || []) : [];
  const template = S["weak_" + cited.weak_code + (items.length > 1 ? "_many" : "")];
  if (!cited.weak || !template || (key && !items.length)) return cited.weak_reason || "";
  const similarity = typeof params.similarity === "number"
    ? params.similarity.toLocaleString(document.documentElement.lang || undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : "";
  const values = { n: cited.n, similarity };
  if (key) values[key] = items.map((item) => `“${item}”`).join(", ");
  return format(template, values);
}

/** "Source n: title" for screen readers, saying when the passage is weakly supported or its document deleted. */
function sourceLabel(source) {
  const label = `${format(source.weak ? S.weak_source : S.source, { n: source.n })}: ${source.title}`;
  return source.document_deleted ? `${label} (${S.source_deleted})` : label;
}

/** The passage, with the answer quote's span inside it set apart when the quote is from this passage. */
function passageMark(source, quote) {
  const mark = element("mark", "", source.text);
  if (!quote || quote.n !== source.n) return mark;
  // The quote's offsets count code points (Python's str), not the UTF-16 units of a JavaScript string.
  const chars = Array.from(source.text);
  let start = quote.start, end = quote.end;
  if (chars.slice(start, end).join("") !== quote.text) {
    const found = source.text.indexOf(quote.text);
    if (found < 0) return mark;
    start = Array.from(source.text.slice(0, found)).length;
    end = start + Array.from(quote.text).length;
  }
  const span = element("strong", "quote-span", chars.slice(start, end).join(""));
  mark.replaceChildren(chars.slice(0, start).join(""), span, chars.slice(end).join(""));
  return mark;
}
