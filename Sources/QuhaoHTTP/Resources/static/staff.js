// Quhao staff pages: a form with data-confirm asks before it is sent (rotating a token,
// deactivating a unit, releasing a team's request); once asked, its hidden "confirm" field says so.
// Without JavaScript the server asks instead, on a confirmation page.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (!question) return;
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.elements.confirm) form.elements.confirm.value = "yes";
});
