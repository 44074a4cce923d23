/* The chat page's sidebar: find a conversation by title, rename it in place, delete it, list a conversation the
   page has just begun (conversationStarted), and open or close the sidebar on a narrow screen.
   Each item's "…" button opens a small menu (Rename, Delete); Esc or a click elsewhere closes it.
   A plain script loaded before the chat modules, which reach it through window.Acervo. */
(function () {
  "use strict";

  const { csrfToken, format, apiError } = window.Acervo;
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const S = data.strings;
  const list = document.getElementById("conversation-list");
  const search = document.getElementById("conversation-search");
  const empty = document.getElementById("conversation-empty");
  const announcer = document.getElementById("announcer");
  const sidebar = document.getElementById("sidebar");
  const toggle = document.querySelector(".sidebar-toggle");
  const url = (pattern, id) => pattern.replace("/0/", `/${id}/`);

  /** Show `title` on an item, in its link and in the labels that name it. */
  function conversationTitled(item, title) {
    item.querySelector(".conversation-title").textContent = title;
    item.querySelector(".conversation-menu-toggle .visually-hidden").textContent = format(S.options_for, { title });
  }

  const titleOf = (item) => item.querySelector(".conversation-title").textContent;

  function toggleMenu(item, open) {
    for (const other of list.querySelectorAll(".conversation-menu:not([hidden])")) {
      if (other.parentElement !== item) closeMenu(other.parentElement);
    }
    item.querySelector(".conversation-menu").hidden = !open;
    item.querySelector(".conversation-menu-toggle").setAttribute("aria-expanded", String(open));
    if (open) item.querySelector(".rename-conversation").focus();
  }

  function closeMenu(item) {
    item.querySelector(".conversation-menu").hidden = true;
    item.querySelector(".conversation-menu-toggle").setAttribute("aria-expanded", "false");
  }

  async function post(pattern, id, body) {
    try {
      const response = await fetch(url(pattern, id), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body),
      });
      if (response.ok && !response.redirected) return { ok: true, body: await response.json() };
      const error = response.redirected ? { code: "session" } : await apiError(response);
      return { ok: false, message: (error && S[error.code]) || format(S.error, { message: error?.message || response.status }) };
    } catch (error) {
      return { ok: false, message: S.network };
    }
  }

  // --- Renaming -------------------------------------------------------------------------------

  function startRename(item) {
    closeMenu(item);
    const link = item.querySelector("a");
    const input = document.createElement("input");
    input.type = "text";
    input.className = "rename-input";
    input.maxLength = 200;
    input.value = titleOf(item);
    input.setAttribute("aria-label", format(S.rename_label, { title: titleOf(item) }));
    link.hidden = true;
    item.querySelector(".conversation-menu-toggle").hidden = true;
    link.after(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (save && title && title !== titleOf(item)) {
        const result = await post(data.urls.rename, item.dataset.id, { title });
        if (result.ok) rename(item, result.body.title);
        else announcer.textContent = result.message;
      }
      input.remove();
      link.hidden = false;
      item.querySelector(".conversation-menu-toggle").hidden = false;
      item.querySelector(".conversation-menu-toggle").focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.isComposing) {
        event.preventDefault();
        finish(true);
      } else if (event.key === "Escape") {
        event.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
  }

  function rename(item, title) {
    conversationTitled(item, title);
    if (item.querySelector("a[aria-current]")) {
      document.title = `${title} · Acervo`;
      const heading = document.getElementById("conversation-title");
      if (heading) heading.textContent = title;
    }
  }

  // --- Deleting -------------------------------------------------------------------------------

  async function remove(item) {
    closeMenu(item);
    if (!window.confirm(format(S.confirm_delete, { title: titleOf(item) }))) {
      item.querySelector(".conversation-menu-toggle").focus();
      return;
    }
    const result = await post(data.urls.delete, item.dataset.id, {});
    if (!result.ok) {
      announcer.textContent = result.message;
      return;
    }
    if (item.querySelector("a[aria-current]")) {
      window.location.assign(data.urls.home); // the open conversation is gone: start a new one
      return;
    }
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    empty.hidden = list.children.length > 0;
    announcer.textContent = S.deleted;
    (next?.querySelector("a") || search).focus();
  }

  // --- A new conversation, the sidebar itself --------------------------------------------------

  /** List conversation `id`, just begun on this page, first and as the current one. */
  function conversationStarted(id, title) {
    for (const link of list.querySelectorAll("[aria-current]")) link.removeAttribute("aria-current");
    const item = document.getElementById("conversation-template").content.firstElementChild.cloneNode(true);
    const link = item.querySelector("a");
    link.href = url(data.urls.conversation, id);
    link.setAttribute("aria-current", "page");
    item.dataset.id = id;
    conversationTitled(item, title);
    const time = item.querySelector("time");
    if (time) {
      time.setAttribute("datetime", new Date().toISOString());  // begun now, said as every other date is
      window.Acervo.localTimes(item);
    }
    list.prepend(item);
    empty.hidden = true;
  }

  function toggleSidebar(open) {
    sidebar.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) search.focus();
  }

  /** Close the sidebar when open (Esc, from the chat page's keyboard handling), focus back on its toggle. */
  function closeSidebar() {
    if (!sidebar.classList.contains("open")) return false;
    toggleSidebar(false);
    toggle.focus();
    return true;
  }

  // --- Wiring ---------------------------------------------------------------------------------

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const item = event.target.closest(".conversation-item");
    if (!button || !item) return;
    if (button.matches(".conversation-menu-toggle")) toggleMenu(item, button.getAttribute("aria-expanded") !== "true");
    else if (button.matches(".rename-conversation")) startRename(item);
    else if (button.matches(".delete-conversation")) remove(item);
  });
  list.addEventListener("keydown", (event) => {
    const item = event.target.closest(".conversation-item");
    if (event.key !== "Escape" || !item || item.querySelector(".conversation-menu").hidden) return;
    event.stopPropagation();
    closeMenu(item);
    item.querySelector(".conversation-menu-toggle").focus();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest(".conversation-menu, .conversation-menu-toggle")) return;
    for (const menu of list.querySelectorAll(".conversation-menu:not([hidden])")) closeMenu(menu.parentElement);
  });
  toggle.addEventListener("click", () => toggleSidebar(!sidebar.classList.contains("open")));
  search.addEventListener("input", () => {
    const query = search.value.trim().toLowerCase();
    for (const item of list.children) item.hidden = !titleOf(item).toLowerCase().includes(query);
  });

  Object.assign(window.Acervo, { conversationStarted, closeSidebar });
})();
