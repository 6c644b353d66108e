(function () {
  var body = document.querySelector("#reports tbody");
  var rows = Array.prototype.slice.call(body.rows);
  var period = document.getElementById("period"), province = document.getElementById("province");
  var count = document.getElementById("count");
  // Lower-case first, so that "Đ" becomes "đ" before it is folded to "d" ("Đà Nẵng" matches "da nang").
  function fold(text) { return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d"); }
  // An office's report sits under its province's row (same data-group): shown when its province's row is opened
  // (its button), when every office is asked for, when its own name matches the search, or when its province has
  // no row of its own.
  var everyOffice = document.getElementById("offices"), opened = {}, heads = {};
  rows.forEach(function (row) { if (row.dataset.level === "0") heads[row.dataset.group] = row; });
  function matches(row, q) { return !q || fold(row.dataset.search).indexOf(q) >= 0; }
  function filter() {
    var p = period.value, q = fold(province.value.trim()), shown = 0, all = everyOffice && everyOffice.checked;
    rows.forEach(function (row) {
      var ok = !p || row.dataset.period === p;
      if (row.dataset.level === "1") {
        var head = heads[row.dataset.group];
        var open = all || opened[row.dataset.group] || row.dataset.headed !== "1";
        ok = ok && ((q && matches(row, q)) || (open && (matches(row, q) || (head && matches(head, q)))));
      } else {
        ok = ok && matches(row, q);
      }
      row.hidden = !ok; if (ok) shown++;
    });
    count.textContent = shown + " báo cáo";
    // The overview of the period chosen (of the latest period when all are shown).
    var overviews = document.querySelectorAll(".overview"), first = null;
    overviews.forEach(function (o) {
      var show = p ? o.dataset.period === p && !first : !first;
      o.hidden = !show; if (show) first = o;
    });
  }
  var direction = {};
  var buttons = document.querySelectorAll("th button");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.dataset.sort, numeric = key === "viec" || key === "tien";
      // Figures sort from the highest first, names and codes from A first; a second click reverses.
      direction[key] = -(direction[key] || (numeric ? 1 : -1));
      function compare(a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        if (!numeric) return x.localeCompare(y, "vi") * direction[key];
        x = x === "" ? -1 : parseFloat(x); y = y === "" ? -1 : parseFloat(y);
        return (x < y ? -1 : x > y ? 1 : 0) * direction[key];
      }
      // Provinces (and reports of their own) are sorted, each keeping its offices under it, sorted too.
      rows.sort(function (a, b) {
        var ha = heads[a.dataset.group] || a, hb = heads[b.dataset.group] || b;
        if (a.dataset.group !== b.dataset.group) return compare(ha, hb) || a.dataset.group.localeCompare(b.dataset.group);
        if (a.dataset.level !== b.dataset.level) return a.dataset.level === "0" ? -1 : 1;
        return compare(a, b);
      });
      rows.forEach(function (row) { body.appendChild(row); });
      buttons.forEach(function (other) { other.parentNode.removeAttribute("aria-sort"); });
      button.parentNode.setAttribute("aria-sort", direction[key] > 0 ? "ascending" : "descending");
    });
  });
  document.querySelectorAll(".offices-toggle").forEach(function (button) {
    button.addEventListener("click", function () {
      var group = button.dataset.group;
      opened[group] = !opened[group];
      button.setAttribute("aria-expanded", opened[group] ? "true" : "false");
      filter();
    });
  });
  if (everyOffice) everyOffice.addEventListener("change", filter);
  period.addEventListener("change", filter);
  province.addEventListener("input", filter);
  filter();
})();
