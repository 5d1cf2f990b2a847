/* Progressive enhancement for the grievance form; the page works without it.
   - filters the service list as you type in the search box (no page reload, what you typed is kept);
   - shows the "other service" field only when "Other service" is chosen. */
(function () {
  "use strict";
  var search = document.getElementById("service-search");
  var select = document.getElementById("id_service");
  var searchForm = document.getElementById("service-search-form");
  var status = document.getElementById("service-filter-status");
  var other = document.getElementById("service-other");
  if (!select || !document.addEventListener) { return; }

  function toggleOther() {
    if (!other) { return; }
    var chosen = select.value === "other";
    var hasError = other.className.indexOf("field--error") !== -1;
    other.hidden = !(chosen || hasError);
  }
  select.addEventListener("change", toggleOther);
  toggleOther();

  if (!search || !searchForm) { return; }
  var original = select.cloneNode(true);
  var timer = null;

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
  }
  function filter() {
    var wanted = words(search.value);
    var current = select.value;
    var shown = 0;
    while (select.firstChild) { select.removeChild(select.firstChild); }
    Array.prototype.forEach.call(original.children, function (node) {
      if (node.tagName !== "OPTGROUP") {
        select.appendChild(node.cloneNode(true));
        return;
      }
      var group = node.cloneNode(false);
      var groupText = (node.label || "").toLowerCase();
      Array.prototype.forEach.call(node.children, function (option) {
        var text = option.textContent.toLowerCase() + " " + groupText;
        var match = wanted.every(function (w) { return text.indexOf(w) !== -1; });
        if (match || option.value === current) {
          group.appendChild(option.cloneNode(true));
          if (match) { shown += 1; }
        }
      });
      if (group.children.length) { select.appendChild(group); }
    });
    select.value = current;
    if (status) {
      status.textContent = wanted.length ? (searchForm.getAttribute("data-count-text") || "{n}").replace("{n}", shown) : "";
    }
  }
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(filter, 150);
  });
  // With the list filtered as you type, Search must not reload the page (and lose what you wrote).
  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    filter();
    select.focus();
  });
}());
