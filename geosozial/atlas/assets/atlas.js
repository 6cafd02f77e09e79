/* geosozial atlas: print button, offline search (window.geosozialSuche) and the
   comparison page (window.geosozialVergleich). Text is inserted as text nodes only. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function fold(text) {
    return String(text).toLowerCase().replace(/\u00df/g, "ss")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function element(tag, attributes, content) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (content !== undefined && content !== null) {
      node.appendChild(typeof content === "string" ? document.createTextNode(content) : content);
    }
    return node;
  }

  function svgElement(tag, attributes, content) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, String(attributes[name]));
    });
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  /* --- search ------------------------------------------------------------------------ */
  var box = document.getElementById("suche");
  var hits = document.getElementById("treffer");
  var status = document.getElementById("suche-status");
  if (box && hits && Array.isArray(window.geosozialSuche)) {
    var entries = window.geosozialSuche.map(function (e) {
      return { entry: e, title: fold(e.t), words: fold(e.t + " " + e.k + " " + e.w) };
    });
    var none = box.getAttribute("data-none") || "Keine Treffer.";
    var count = box.getAttribute("data-hits") || "{n} Treffer";
    var search = function () {
      var query = fold(box.value).trim();
      while (hits.firstChild) { hits.removeChild(hits.firstChild); }
      if (query.length < 2) { status.textContent = ""; return; }
      var tokens = query.split(/\s+/);
      var found = entries.filter(function (e) {
        return tokens.every(function (t) { return e.words.indexOf(t) >= 0; });
      });
      found.sort(function (a, b) {
        var sa = a.title.indexOf(query) === 0 ? 0 : 1;
        var sb = b.title.indexOf(query) === 0 ? 0 : 1;
        return sa - sb || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0);
      });
      found.slice(0, 30).forEach(function (e) {
        var item = element("li");
        item.appendChild(element("a", { href: e.entry.u }, e.entry.t));
        item.appendChild(document.createTextNode(" (" + e.entry.k + ")"));
        hits.appendChild(item);
      });
      status.textContent = found.length ? count.replace("{n}", String(found.length)) : none;
    };
    box.addEventListener("input", search);
    search();
  }

  /* --- comparison -------------------------------------------------------------------- */
  var data = window.geosozialVergleich;
  var table = document.getElementById("vergleich-tabelle");
  if (data && table) {
    var selects = Array.prototype.slice.call(document.querySelectorAll("select.wahl"));
    var bars = document.getElementById("vergleich-balken");
    var note = document.getElementById("vergleich-status");
    var byId = {};
    data.areas.forEach(function (a) { byId[a.id] = a; });
    var colours = ["#005a9c", "#b35806", "#00796b", "#ad1457", "#5e35b1"];

    var chosen = function () {
      var seen = {};
      var out = [];
      selects.forEach(function (s) {
        if (s.value && byId[s.value] && !seen[s.value]) { seen[s.value] = true; out.push(byId[s.value]); }
      });
      return out.slice(0, data.max);
    };

    var drawTable = function (areas) {
      var head = table.tHead.rows[0];
      while (head.cells.length > 2) { head.deleteCell(2); }
      areas.forEach(function (a) { head.appendChild(element("th", { scope: "col" }, a.name)); });
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row, i) {
        while (row.cells.length > 2) { row.deleteCell(2); }
        areas.forEach(function (a) {
          var value = a.values[i];
          row.appendChild(element("td", { "class": value[0] === null ? "num missing" : "num" }, value[1]));
        });
      });
    };

    var drawBars = function (areas) {
      while (bars.firstChild) { bars.removeChild(bars.firstChild); }
      if (!areas.length) { return; }
      data.indicators.forEach(function (ind, i) {
        var values = areas.map(function (a) { return a.values[i]; });
        var numbers = values.filter(function (v) { return v[0] !== null; }).map(function (v) { return v[0]; });
        var lo = Math.min(0, Math.min.apply(null, numbers.concat([0])));
        var hi = Math.max(0, Math.max.apply(null, numbers.concat([0])));
        var span = (hi - lo) || 1;
        var width = 560, left = 190, right = 110, row = 22;
        var height = row * areas.length + 8;
        var plot = width - left - right;
        var zero = left + (0 - lo) / span * plot;
        var label = ind.label + (ind.unit ? " (" + ind.unit + ")" : "");
        var description = areas.map(function (a, k) { return a.name + ": " + values[k][1]; }).join("; ");
        var svg = svgElement("svg", { viewBox: "0 0 " + width + " " + height, width: width,
          height: height, role: "img", "class": "chart", "aria-label": label + ". " + description });
        areas.forEach(function (a, k) {
          var y = 4 + k * row;
          svg.appendChild(svgElement("text", { x: left - 8, y: y + 15, "text-anchor": "end",
            "font-size": 11, "font-family": "sans-serif", fill: "#222222" },
            a.name.length > 28 ? a.name.slice(0, 27) + "\u2026" : a.name));
          var v = values[k][0];
          if (v !== null) {
            var x = left + (Math.min(v, 0) - lo) / span * plot;
            var w = Math.abs(v) / span * plot;
            svg.appendChild(svgElement("rect", { x: x.toFixed(1), y: y + 4, width: Math.max(0.5, w).toFixed(1),
              height: 14, fill: colours[k % colours.length] }));
          }
          var end = v === null ? zero : left + (Math.max(v, 0) - lo) / span * plot;
          svg.appendChild(svgElement("text", { x: (end + 6).toFixed(1), y: y + 15, "font-size": 11,
            "font-family": "sans-serif", fill: "#222222" }, values[k][1]));
        });
        svg.appendChild(svgElement("line", { x1: zero.toFixed(1), y1: 2, x2: zero.toFixed(1),
          y2: height - 2, stroke: "#595959", "stroke-width": 1 }));
        var figure = element("figure");
        figure.appendChild(element("figcaption", {}, label));
        figure.appendChild(svg);
        bars.appendChild(figure);
      });
    };

    var render = function () {
      var areas = chosen();
      drawTable(areas);
      drawBars(areas);
      note.textContent = areas.length
        ? data.text.compare_status.replace("{n}", String(areas.length))
            .replace("{names}", areas.map(function (a) { return a.name; }).join(", "))
        : data.text.compare_empty;
    };
    selects.forEach(function (s) { s.addEventListener("change", render); });
    render();
  }
}());
