/* A document's page: choosing a chunk highlights its span in the extracted text, without a reload.
   The links work without this script too: the server highlights the chunk named in `?chunk=`. */
(function () {
  "use strict";

  const { format } = window.Acervo;
  const S = JSON.parse(document.getElementById("reader-strings").textContent);
  const list = document.getElementById("chunk-list");
  const pre = document.getElementById("extracted-text");
  const announcer = document.getElementById("reader-announcer");
  const text = pre ? pre.textContent : "";
  const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;

  function select(link) {
    const start = Number(link.dataset.start16);
    const end = Number(link.dataset.end16);
    const mark = document.createElement("mark");
    mark.id = "chunk-mark";
    mark.tabIndex = -1;
    mark.textContent = text.slice(start, end);
    pre.replaceChildren(text.slice(0, start), mark, text.slice(end));
    for (const other of list.querySelectorAll("[aria-current]")) other.removeAttribute("aria-current");
    link.setAttribute("aria-current", "true");
    history.replaceState(null, "", link.href);
    reveal(mark);
    announcer.textContent = format(S.highlighted, { n: link.id.replace("chunk-", "") });
  }

  /** Bring the highlight into view inside the text pane, then focus it so a screen reader reads it. */
  function reveal(mark) {
    pre.scrollTop = Math.max(0, mark.offsetTop - pre.clientHeight / 3); // .extracted is position: relative
    mark.scrollIntoView({ block: "nearest", behavior: reduced ? "auto" : "smooth" });
    mark.focus({ preventScroll: true });
  }

  if (list && pre) {
    list.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-start16]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      select(link);
    });
    const mark = document.getElementById("chunk-mark");
    if (mark) {
      pre.scrollTop = Math.max(0, mark.offsetTop - pre.clientHeight / 3); // .extracted is position: relative
      list.querySelector("[aria-current]")?.scrollIntoView({ block: "nearest" });
    }
  }

  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
})();
