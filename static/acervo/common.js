/* Shared by every page: the CSRF token for API calls, string formatting, the language switch. */
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** Fill "%(name)s" placeholders (Django's python-format) from `values`. */
  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  /** The message of an API error body `{"error": {"code", "message"}}`, or null. */
  async function apiError(response) {
    try {
      const body = await response.json();
      return body && body.error ? body.error : null;
    } catch (e) {
      return null;
    }
  }

  /** The reader's own locale for the page's language: an en-GB browser reading the English page gets British
      dates, a pt-PT one reading pt-br its own; otherwise the page's language. */
  function userLocale() {
    const page = document.documentElement.lang || "en";
    const language = page.toLowerCase().split("-")[0];
    const own = (navigator.languages || [navigator.language]).find((tag) => tag && tag.toLowerCase().split("-")[0] === language);
    return own || page;
  }

  /** Every <time datetime> under `root`, in the reader's locale and time zone, the zone said ("6 Dec 2026, 09:20
      GMT-3"); the full date with the zone's long name in its tooltip. The server's text stays for a page without
      script. */
  function localTimes(root) {
    const locale = userLocale();
    const short = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric", hour: "2-digit",
                                                    minute: "2-digit", timeZoneName: "short" });
    const long = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "full" });
    for (const time of (root || document).querySelectorAll("time[datetime]")) {
      const when = new Date(time.getAttribute("datetime"));
      if (Number.isNaN(when.getTime()) || !time.getAttribute("datetime").includes("T")) continue;
      time.textContent = short.format(when);
      time.title = long.format(when);
    }
  }

  window.Acervo = { csrfToken, format, apiError, localTimes };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => localTimes());
  else localTimes();

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select) select.form.submit();
  });
})();
