/* The documents page: upload files (dropped, chosen, or whole folders) one after another through
   POST /api/v1/documents, then poll their status until each is indexed or failed. A document's
   "Replace" sends a new version of its file (POST /documents/<id>/replace) and follows it the same way. */
(function () {
  "use strict";

  const { csrfToken, format } = window.Acervo;
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("page-data").textContent);
  const S = data.strings;
  const FINAL = new Set(["indexed", "failed"]);
  const POLL_MS = 1000;
  const RATE_LIMIT_WAIT_MS = 5000;
  const lang = document.documentElement.lang || undefined;
  const numbers = new Intl.NumberFormat(lang);
  const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  const els = {
    collection: $("upload-collection"), newField: $("new-collection-field"), newName: $("new-collection"),
    dropzone: $("dropzone"), files: $("file-input"), folder: $("folder-input"), error: $("upload-error"),
    rows: $("document-rows"), empty: $("no-documents"), template: $("row-template"), summary: $("upload-summary"),
    replace: $("replace-input"),
  };
  const url = (pattern, id) => pattern.replace("/0/", `/${id}/`);
  const rows = new Map(); // document id -> <tr>
  const session = new Set(); // rows added on this page, for the summary line
  const queue = [];
  let uploading = false;
  let pollTimer = null;

  // --- Rows ---------------------------------------------------------------------------------

  function newRow() {
    const row = els.template.content.firstElementChild.cloneNode(true);
    els.rows.prepend(row);
    els.empty.hidden = true;
    return row;
  }

  /** Show a document (the API's shape) or an upload in progress ({title, collection, status: "uploading"}). */
  function render(row, doc) {
    const status = doc.status;
    row.dataset.status = status;
    if (doc.id) row.dataset.id = doc.id;
    if (doc.id && status !== "uploading") row.lastKnown = doc;
    const title = row.querySelector(".doc-title");
    title.textContent = doc.title;
    if (doc.id) title.href = url(data.urls.detail, doc.id);
    else title.removeAttribute("href");
    // The document's own title (metadata, first heading) with the file it came from beside it.
    const file = doc.file_name && doc.file_name !== doc.title ? doc.file_name : "";
    if (doc.id || file) row.querySelector(".doc-file").textContent = file;
    row.querySelector(".doc-collection").textContent = doc.collection || "";
    row.querySelector(".doc-warnings").textContent = (doc.warnings || []).join(" ");
    const pill = row.querySelector(".status-pill");
    pill.dataset.status = status;
    pill.textContent = S[status] || status;
    const active = !FINAL.has(status);
    const share = Math.max(0, Math.min(100, doc.progress || 0)) / 100;
    row.querySelector(".doc-percent").textContent = active ? percent.format(share) : "";
    const bar = row.querySelector(".progress");
    bar.hidden = !active;
    bar.setAttribute("aria-valuenow", String(Math.round(share * 100)));
    bar.setAttribute("aria-label", format(S.progress, { title: doc.title }));
    bar.firstElementChild.style.width = `${share * 100}%`;
    const failed = row.querySelector(".doc-error");
    failed.textContent = status === "failed" ? doc.error || "" : "";
    failed.title = status === "failed" && doc.error_detail && doc.error_detail !== doc.error ? doc.error_detail : "";
    row.querySelector(".doc-pages").textContent = doc.pages ? numbers.format(doc.pages) : "–";
    row.querySelector(".doc-chunks").textContent = status === "indexed" ? numbers.format(doc.chunks) : "–";
    actions(row, doc);
    summarise();
  }

  function actions(row, doc) {
    const retry = row.querySelector(".retry-form");
    const remove = row.querySelector(".delete-form");
    const replace = row.querySelector(".replace-button");
    retry.hidden = !(doc.id && doc.status === "failed");
    remove.hidden = !(doc.id && FINAL.has(doc.status));
    replace.hidden = remove.hidden;
    if (!doc.id) return;
    retry.action = url(data.urls.retry, doc.id);
    remove.action = url(data.urls.delete, doc.id);
    retry.querySelector("button").setAttribute("aria-label", `${S.retry}: ${doc.title}`);
    remove.querySelector("button").setAttribute("aria-label", `${S.delete}: ${doc.title}`);
    replace.setAttribute("aria-label", `${S.replace}: ${doc.title}`);
    remove.dataset.title = doc.title;
  }

  function summarise() {
    if (!session.size) return;
    const states = [...session].map((row) => row.dataset.status);
    const count = (status) => states.filter((s) => s === status).length;
    els.summary.textContent = format(S.summary, { indexed: count("indexed"), total: states.length, failed: count("failed") });
    els.summary.hidden = false;
  }

  function track(row, doc) {
    const existing = rows.get(doc.id);
    if (existing && existing !== row) {
      // Same content already in the collection: the API returns that document instead of a copy.
      session.delete(row);
      row.remove();
      row = existing;
      session.add(row);
      els.rows.prepend(row);
    }
    rows.set(doc.id, row);
    render(row, doc);
    if (!FINAL.has(doc.status)) schedulePoll();
  }

  // --- Uploading ----------------------------------------------------------------------------

  function collectionName() {
    if (els.collection.value) return els.collection.value;
    const name = els.newName.value.trim();
    return name || null;
  }

  function add(files) {
    const collection = collectionName();
    if (!collection) {
      showError(S.collection_required);
      els.newName.focus();
      return;
    }
    showError("");
    for (const file of files) {
      if (file.name.startsWith(".")) continue; // .DS_Store and friends, found in folders
      const row = newRow();
      session.add(row);
      render(row, { title: file.name, collection, status: "uploading", progress: 0 });
      queue.push({ file, collection, row });
    }
    if (!uploading) drain();
  }

  /** One upload at a time: the first one may create the collection the next ones use. */
  async function drain() {
    uploading = true;
    while (queue.length) {
      const job = queue.shift();
      let result = await send(job);
      for (let tries = 0; result.status === 429 && tries < 3; tries++) {
        await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_WAIT_MS));
        result = await send(job);
      }
      if (result.status === 202) {
        track(job.row, result.body);
        rememberCollection(job.collection);
      } else {
        render(job.row, { title: job.file.name, collection: job.collection, status: "failed", error: uploadError(result) });
      }
    }
    uploading = false;
  }

  function send({ file, collection, row }) {
    return post(data.urls.upload, { file, collection }, (share) => {
      render(row, { title: file.name, collection, status: "uploading", progress: share });
    });
  }

  /** POST `fields` as multipart form data; `progress(percent)` follows the upload. Resolves {status, body}. */
  function post(target, fields, progress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", target);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.responseType = "json";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) progress((100 * event.loaded) / event.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.response });
      xhr.onerror = () => resolve({ status: 0, body: null });
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) {
        if (value instanceof File) form.append(name, value, value.name);
        else form.append(name, value);
      }
      xhr.send(form);
    });
  }

  /** A new version of the row's document: the row follows it until indexed or failed. */
  async function replaceWith(row, file) {
    const id = Number(row.dataset.id);
    const title = row.querySelector(".doc-title").textContent;
    const collection = row.querySelector(".doc-collection").textContent;
    session.add(row);
    render(row, { id, title, collection, status: "uploading", progress: 0 });
    const result = await post(url(data.urls.replace, id), { file }, (share) => {
      render(row, { id, title, collection, status: "uploading", progress: share });
    });
    if (result.status === 200) return track(row, result.body);
    // The current version is untouched: show it as it was, and why the new one was refused.
    render(row, row.lastKnown);
    row.querySelector(".doc-error").textContent = uploadError(result);
  }

  function uploadError({ status, body }) {
    if (status === 0) return S.network;
    const error = (body && body.error) || {};
    if (error.code === "file_too_large") return S.file_too_large.replace("%(max)s", data.maxUploadMb);
    return S[error.code] || format(S.upload_failed, { message: error.message || `HTTP ${status}` });
  }

  function rememberCollection(name) {
    if ([...els.collection.options].some((option) => option.value === name)) return;
    const option = new Option(name, name);
    els.collection.add(option, els.collection.options[els.collection.options.length - 1]);
    els.collection.value = name;
    els.newName.value = "";
    els.newField.hidden = true;
  }

  function showError(text) {
    els.error.textContent = text;
    els.error.hidden = !text;
  }

  // --- Polling ------------------------------------------------------------------------------

  function schedulePoll() {
    if (!pollTimer) pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    const ids = [...rows.entries()].filter(([, row]) => !FINAL.has(row.dataset.status)).map(([id]) => id);
    if (!ids.length) {
      pollTimer = null;
      return;
    }
    try {
      const response = await fetch(`${data.urls.status}?${ids.map((id) => `id=${id}`).join("&")}`, { credentials: "same-origin" });
      if (response.ok) {
        for (const doc of (await response.json()).documents) render(rows.get(doc.id), doc);
      }
    } catch (error) {
      // The next round tries again; the rows keep their last known state meanwhile.
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  // --- Dropping and choosing files ----------------------------------------------------------

  async function droppedFiles(dataTransfer) {
    // Entries must be taken while the drop event is being handled; reading them may wait.
    const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
    if (!entries.length) return [...dataTransfer.files];
    const files = [];
    for (const entry of entries) await walk(entry, files);
    return files;
  }

  async function walk(entry, files) {
    if (entry.isFile) {
      files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await walk(child, files);
      }
    }
  }

  for (const name of ["dragenter", "dragover"]) {
    els.dropzone.addEventListener(name, (event) => {
      event.preventDefault();
      els.dropzone.classList.add("dragging");
    });
  }
  els.dropzone.addEventListener("dragleave", (event) => {
    if (!els.dropzone.contains(event.relatedTarget)) els.dropzone.classList.remove("dragging");
  });
  els.dropzone.addEventListener("drop", async (event) => {
    event.preventDefault();
    els.dropzone.classList.remove("dragging");
    add(await droppedFiles(event.dataTransfer));
  });
  // A file dropped next to the zone must not make the browser leave the page to show it.
  for (const name of ["dragover", "drop"]) document.addEventListener(name, (event) => event.preventDefault());

  $("choose-files").addEventListener("click", () => els.files.click());
  $("choose-folder").addEventListener("click", () => els.folder.click());
  for (const input of [els.files, els.folder]) {
    input.addEventListener("change", () => {
      add([...input.files]);
      input.value = "";
    });
  }
  els.collection.addEventListener("change", () => {
    els.newField.hidden = els.collection.value !== "";
    if (!els.newField.hidden) els.newName.focus();
  });
  let replacing = null;
  els.rows.addEventListener("click", (event) => {
    const button = event.target.closest(".replace-button");
    if (!button) return;
    replacing = button.closest("tr");
    els.replace.click();
  });
  els.replace.addEventListener("change", () => {
    const [file] = els.replace.files;
    els.replace.value = "";
    if (file && replacing) replaceWith(replacing, file);
  });
  els.rows.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.classList.contains("delete-form") && !window.confirm(format(S.confirm_delete, { title: form.dataset.title }))) {
      event.preventDefault();
    }
  });

  for (const doc of [...data.documents].reverse()) track(newRow(), doc);
})();
