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

  window.Acervo = { csrfToken, format, apiError };

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select) select.form.submit();
  });
})();
