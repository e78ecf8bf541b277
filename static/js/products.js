/* Product list: leave empty filters out of the request, so the pushed URL reads /products/?q=cola
 * instead of /products/?q=cola&family=&status=. */
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "product-filters") return;
    var data = event.detail.formData;
    if (!data) return;
    Array.from(data.keys()).forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) data.delete(key);
    });
  });
})();
