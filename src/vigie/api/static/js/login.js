"use strict";
// Sign-in page: posts the credentials as JSON, then goes to the page asked for (or the role's).
(function () {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const body = { login: form.login.value.trim(), password: form.password.value };
    const response = await fetch("/api/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin",
    });
    if (response.ok) {
      window.location.assign(form.dataset.next || "/");
      return;
    }
    const data = await response.json().catch(() => ({}));
    error.textContent = typeof data.detail === "string" ? data.detail : "sign-in failed";
    error.hidden = false;
    form.password.value = "";
    form.password.focus();
  });
})();
