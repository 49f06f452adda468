// Billing page: while a run (dry or real) works, its buttons are disabled and the number of
// customers done is polled from the server once a second. Without JavaScript the form posts
// as usual.
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("run-progress");
  for (const form of document.querySelectorAll("form.run-form")) {
    form.addEventListener("submit", () => {
      // Disable after the browser has taken the clicked button's name into the submission.
      setTimeout(() => {
        for (const button of document.querySelectorAll("form.run-form button")) {
          button.disabled = true;
        }
      }, 0);
      if (!status) return;
      status.hidden = false;
      status.textContent = "Working…";
      const poll = async () => {
        try {
          const response = await fetch(form.dataset.progressUrl, { credentials: "same-origin" });
          if (response.ok) status.textContent = (await response.text()).trim();
        } catch (error) {
          // The page is being replaced by the run's result: nothing to show.
        }
      };
      setInterval(poll, 1000);
    });
  }
});
