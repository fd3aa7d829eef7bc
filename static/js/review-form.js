// The review form with JavaScript (docs/reviewer-journey.md, "With JavaScript"): a warning before the
// session ends, with "Stay signed in"; a draft that saves itself every minute while the reviewer
// types, saying so in a status region; and a draft saved before leaving by a link. Without it the
// form works as it is. Loaded as a file, so the Content Security Policy needs no exception.

const AUTOSAVE_EVERY_MS = 60 * 1000;
const form = document.getElementById("review-form");

function post(url, body) {
  return fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    // A session that has ended answers with a redirect to sign in, which is not followed here.
    redirect: "manual",
    headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value, Accept: "application/json" },
  });
}

function startAutosave(status) {
  let changed = false;
  let saving = null;
  const say = (text) => {
    status.textContent = text;
  };
  form.addEventListener("input", () => {
    changed = true;
  });

  async function save() {
    if (!changed) return true;
    changed = false;
    const body = new FormData(form);
    body.delete("action");
    let response;
    try {
      response = await post(form.dataset.autosaveUrl, body);
    } catch {
      changed = true;
      say(form.dataset.offlineMessage);
      return false;
    }
    if (response.type === "opaqueredirect") {
      say(form.dataset.signedOutMessage);
      return false;
    }
    const answer = await response.json();
    if (response.ok) {
      // The new lock version goes into this form, so its next save does not conflict with this one.
      form.elements.lock_version.value = answer.lock_version;
      say(form.dataset.savedMessage.replace("%(time)s", answer.saved_at));
      return true;
    }
    if (answer.conflict_url) {
      window.location.assign(answer.conflict_url);
      return false;
    }
    changed = true;
    say(answer.message);
    return false;
  }

  const saveOnce = () => {
    saving = saving || save().finally(() => (saving = null));
    return saving;
  };
  window.setInterval(saveOnce, AUTOSAVE_EVERY_MS);

  // A button pressed while a save is on its way waits for it, so the form posts the new lock version.
  form.addEventListener("submit", async (event) => {
    if (!saving) return;
    event.preventDefault();
    await saving;
    form.requestSubmit(event.submitter);
  });

  // Leaving by a link saves the draft first; only the leaving waits for it.
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[href]");
    if (!link || !changed || link.getAttribute("href").startsWith("#") || event.defaultPrevented) return;
    event.preventDefault();
    if (await saveOnce()) window.location.assign(link.href);
  });
  return saveOnce;
}

function startTimeoutWarning(dialog) {
  const warnBeforeMs = Number(dialog.dataset.warnSeconds) * 1000;
  const countdown = dialog.querySelector("[data-countdown]");
  let warnTimer = null;
  let endAt = 0;
  let returnFocusTo = null;

  function minutesLeft() {
    return Math.max(0, Math.ceil((endAt - Date.now()) / 60000));
  }

  function showWarning() {
    returnFocusTo = document.activeElement;
    countdown.textContent = dialog.dataset.countdownMessage.replace("%(minutes)s", minutesLeft());
    dialog.showModal(); // modal: focus moves into it and stays there until it closes
    const tick = window.setInterval(() => {
      if (!dialog.open) return window.clearInterval(tick);
      countdown.textContent = dialog.dataset.countdownMessage.replace("%(minutes)s", minutesLeft());
    }, 60000);
  }

  function schedule(secondsLeft) {
    window.clearTimeout(warnTimer);
    endAt = Date.now() + secondsLeft * 1000;
    warnTimer = window.setTimeout(showWarning, Math.max(0, secondsLeft * 1000 - warnBeforeMs));
  }

  async function ask(method) {
    const response = await fetch(dialog.dataset.sessionUrl, {
      method,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value, Accept: "application/json" },
    });
    if (!response.ok) return;
    schedule((await response.json()).seconds_left);
  }

  dialog.querySelector("[data-stay-signed-in]").addEventListener("click", async () => {
    await ask("POST");
    dialog.close();
  });
  // Escape closes the dialog as "Stay signed in" does: the reviewer is still there.
  dialog.addEventListener("cancel", () => ask("POST"));
  dialog.addEventListener("close", () => returnFocusTo?.focus());
  ask("GET");
}

if (form) {
  const status = document.getElementById("autosave-status");
  if (form.dataset.autosaveUrl && status) startAutosave(status);
  const dialog = document.getElementById("timeout-warning");
  if (dialog && typeof dialog.showModal === "function") startTimeoutWarning(dialog);
}
