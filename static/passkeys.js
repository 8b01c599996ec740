// Passkeys (WebAuthn): fetch options, run the ceremony, post the result in the page's form.
// Forms marked data-passkey="register" | "assert" stay hidden unless this browser can use
// passkeys; the password forms work without any of this.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function fromB64u(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
  }
  function toB64u(buffer) {
    let raw = "";
    new Uint8Array(buffer).forEach((b) => { raw += String.fromCharCode(b); });
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return (list || []).map((d) => Object.assign({}, d, { id: fromB64u(d.id) }));
  }
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: fromB64u(json.challenge),
      user: Object.assign({}, json.user, { id: fromB64u(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: fromB64u(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }
  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") return cred.toJSON();
    const r = cred.response;
    const response = { clientDataJSON: toB64u(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64u(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64u(r.authenticatorData);
      response.signature = toB64u(r.signature);
      if (r.userHandle) response.userHandle = toB64u(r.userHandle);
    }
    return {
      id: cred.id, rawId: toB64u(cred.rawId), type: cred.type, response: response,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
    };
  }
  async function fetchOptions(form) {
    const token = form.querySelector("input[name=csrf_token]").value;
    const reply = await fetch(form.dataset.options, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
    });
    const body = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(body.error_description || "Passkeys are not available now.");
    return body;
  }
  function post(form, cred) {
    form.querySelector("input[name=credential]").value = JSON.stringify(credentialJSON(cred));
    form.submit();
  }
  function showError(form, message) {
    const slot = form.querySelector(".passkey-error");
    if (slot) { slot.textContent = message; slot.hidden = false; }
  }

  let autofill = null;  // the pending conditional-mediation request, aborted for a click

  async function run(form) {
    if (autofill) { autofill.abort(); autofill = null; }
    const json = await fetchOptions(form);
    let cred;
    if (form.dataset.passkey === "register") {
      cred = await navigator.credentials.create({ publicKey: creationOptions(json) });
    } else {
      cred = await navigator.credentials.get({ publicKey: requestOptions(json) });
    }
    if (cred) post(form, cred);
  }

  async function startAutofill(form) {
    if (!PublicKeyCredential.isConditionalMediationAvailable) return;
    if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
    const controller = new AbortController();
    autofill = controller;
    const json = await fetchOptions(form);
    const cred = await navigator.credentials.get({
      publicKey: requestOptions(json), mediation: "conditional", signal: controller.signal,
    });
    if (cred && autofill === controller) post(form, cred);
  }

  document.querySelectorAll("form[data-passkey]").forEach((form) => {
    form.hidden = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(form).catch((err) => {
        const cancelled = err && err.name === "NotAllowedError";
        showError(form, cancelled ? "The passkey request was cancelled or timed out." : err.message);
      });
    });
    if (form.dataset.passkeyAutofill) startAutofill(form).catch(() => {});
  });
})();
