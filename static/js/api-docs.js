// Starts Swagger UI on the API documentation page, from a static file so that the page needs no
// inline script under the Content Security Policy. The schema's address comes from the page.
(function () {
  var element = document.getElementById("api-docs");
  if (!element || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: element.getAttribute("data-schema-url"),
    domNode: element,
    deepLinking: false,
    // No call to an outside validator: everything stays on the portal's own origin.
    validatorUrl: null,
    // Read-only API, read by signed-in analysts: the session's cookie goes with each call.
    withCredentials: true,
    supportedSubmitMethods: ["get"],
  });
})();
