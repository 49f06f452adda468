// Fairbill's own behaviour, kept out of the pages so that the Content-Security-Policy can
// forbid inline scripts (docs/install.md).
//  data-confirm="…" on a form: ask before sending it.
//  data-autosubmit on a field: send its form when it changes.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
