/* abstract-search embeddable widget.
 *
 *   <div id="talks"></div>
 *   <script src="https://SERVER/embed.js" data-target="#talks"></script>
 *
 * Options, as data- attributes on the script tag (or AbstractSearch.mount(element, options)):
 *   data-target        CSS selector of the element to render into (required for auto-mount)
 *   data-event, data-theme, data-lab, data-day, data-language
 *                      fixed filters (one value, or a JSON array for several)
 *   data-facet         facet offered as toggles with counts: theme (default), lab, day,
 *                      language, event, or none
 *   data-per-page      results per page, 1-50 (default 5)
 *   data-placeholder   search box placeholder
 *   data-label         search box label for screen readers
 *   data-lang          UI language, en or fr (default: the browser's)
 *   data-q             initial query
 *
 * Everything renders inside a shadow root on the target element, with the widget CSS in
 * that shadow root. The API is called on the origin embed.js was loaded from (CORS).
 * Record text is only inserted with textContent / createTextNode; the server-highlighted
 * title_html / snippet_html are parsed in an inert <template> and only text and <mark> are
 * copied back.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var scriptOrigin = originOf(script && script.src);
  if (!scriptOrigin) {
    // Loaded in an unusual way (currentScript is null): look for our own <script> tag.
    var tags = document.getElementsByTagName('script');
    for (var i = tags.length - 1; i >= 0; i--) {
      if (/\/embed\.js(?:[?#].*)?$/.test(tags[i].src || '')) {
        script = script || tags[i];
        scriptOrigin = originOf(tags[i].src);
        break;
      }
    }
  }

  var DEBOUNCE_MS = 200;
  // [option name (data-* attribute), API parameter]. Note: `lang` is the UI language;
  // the content-language filter is `language` (data-language) -> API `lang`.
  var FILTERS = [['event', 'event'], ['theme', 'theme'], ['lab', 'lab'], ['day', 'day'], ['language', 'lang']];

  var MESSAGES = {
    en: {
      label: 'Search contributions',
      placeholder: 'Search talks, speakers, labs…',
      results: function (n) { return n === 0 ? 'No results' : n === 1 ? '1 result' : n + ' results'; },
      programme: function (n) { return n === 1 ? '1 contribution' : n + ' contributions'; },
      forQuery: ' for “{q}”',
      searching: 'Searching…',
      more: 'More results',
      showing: 'Showing {shown} of {total}',
      networkError: 'The search service could not be reached.',
      httpError: 'Server error (HTTP {status}).',
      min: '{n} min',
      resultsLabel: 'Search results',
      poweredBy: 'Full search',
      facets: { theme: 'Theme', lab: 'Lab', day: 'Day', language: 'Language', event: 'Event' },
      filterBy: 'Filter by {facet}',
      languages: { en: 'English', fr: 'French' }
    },
    fr: {
      label: 'Rechercher dans les contributions',
      placeholder: 'Exposés, orateurs, laboratoires…',
      results: function (n) { return n === 0 ? 'Aucun résultat' : n === 1 ? '1 résultat' : n + ' résultats'; },
      programme: function (n) { return n === 1 ? '1 contribution' : n + ' contributions'; },
      forQuery: ' pour « {q} »',
      searching: 'Recherche…',
      more: 'Plus de résultats',
      showing: '{shown} sur {total}',
      networkError: 'Le service de recherche est injoignable.',
      httpError: 'Erreur du serveur (HTTP {status}).',
      min: '{n} min',
      resultsLabel: 'Résultats de la recherche',
      poweredBy: 'Recherche complète',
      facets: { theme: 'Thématique', lab: 'Laboratoire', day: 'Jour', language: 'Langue', event: 'Événement' },
      filterBy: 'Filtrer par {facet}',
      languages: { en: 'Anglais', fr: 'Français' }
    }
  };

  var CSS = [
    ':host{all:initial;display:block;contain:content;',
    '--as-accent:var(--abstract-search-accent,#1f5fbf);--as-text:var(--abstract-search-text,#1c2330);',
    '--as-muted:var(--abstract-search-muted,#5b6577);--as-bg:var(--abstract-search-bg,#fff);',
    '--as-border:var(--abstract-search-border,#dde1e8);--as-mark:var(--abstract-search-mark,#ffe58a);',
    '--as-radius:var(--abstract-search-radius,8px);',
    'font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;',
    'font-size:15px;line-height:1.5;color:var(--as-text);text-align:left;}',
    ':host([hidden]){display:none}',
    '*,*::before,*::after{box-sizing:border-box}',
    '[hidden]{display:none!important}',
    // Typography is (re)declared on .as-root: the host element itself can be hit by host rules
    // (even !important ones), but nothing outside can select elements inside the shadow tree.
    '.as-root{all:initial;display:block;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;',
    'font-size:15px;line-height:1.5;color:var(--as-text);text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;',
    'background:var(--as-bg);border:1px solid var(--as-border);border-radius:var(--as-radius);padding:12px}',
    '.as-form{margin:0 0 8px;display:flex}',
    '.as-input{flex:1 1 auto;min-width:0;width:100%;font:inherit;font-size:16px;color:var(--as-text);background:var(--as-bg);',
    'border:1px solid #b9c0cc;border-radius:var(--as-radius);padding:8px 12px;margin:0;-webkit-appearance:none;appearance:none}',
    '.as-input::placeholder{color:var(--as-muted);opacity:1}',
    '.as-input:focus{outline:3px solid var(--as-accent);outline-offset:0;border-color:var(--as-accent)}',
    '.as-status{margin:0 0 6px;font-size:13px;color:var(--as-muted);min-height:1.5em}',
    '.as-status[data-state="error"]{color:#b42318;font-weight:600}',
    '.as-results{list-style:none;margin:0;padding:0}',
    '.as-busy .as-results{opacity:.55}',
    '.as-result{padding:10px 0;border-top:1px solid var(--as-border)}',
    '.as-result:first-child{border-top:0}',
    '.as-title{margin:0 0 2px;font-size:15px;font-weight:650;line-height:1.35;overflow-wrap:anywhere}',
    '.as-title a{color:var(--as-accent);text-decoration:none}',
    '.as-title a:hover{text-decoration:underline}',
    '.as-title a:focus-visible,.as-more:focus-visible,.as-link:focus-visible{outline:3px solid var(--as-accent);outline-offset:2px;border-radius:3px}',
    '.as-meta,.as-speakers{margin:0;font-size:13px;color:var(--as-muted)}',
    '.as-speakers .as-name{color:var(--as-text);font-weight:600}',
    '.as-snippet{margin:4px 0 0;font-size:13.5px;overflow-wrap:anywhere}',
    'mark{background:var(--as-mark);color:inherit;padding:0 .12em;border-radius:3px}',
    '.as-footer{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:6px 12px;margin-top:8px}',
    '.as-more{font:inherit;font-size:14px;cursor:pointer;color:var(--as-accent);background:var(--as-bg);',
    'border:1px solid var(--as-accent);border-radius:var(--as-radius);padding:6px 14px}',
    '.as-more:hover{background:rgba(31,95,191,.08)}',
    '.as-more[disabled]{opacity:.6;cursor:progress}',
    '.as-link{font-size:12.5px;color:var(--as-muted)}',
    '.as-facet{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px;padding:0;border:0}',
    '.as-chip{font:inherit;font-size:13px;line-height:1.3;cursor:pointer;color:var(--as-text);background:var(--as-bg);',
    'border:1px solid var(--as-border);border-radius:999px;padding:3px 10px;margin:0;text-align:left}',
    '.as-chip:hover{border-color:var(--as-accent)}',
    '.as-chip[aria-pressed="true"]{background:var(--as-accent);border-color:var(--as-accent);color:var(--as-bg)}',
    '.as-chip:focus-visible{outline:3px solid var(--as-accent);outline-offset:2px}',
    '.as-count{margin-left:6px;font-size:12px;opacity:.75}',
    '.as-labs{margin-top:2px;font-size:12.5px;color:var(--as-muted)}',
    '.as-vh{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}'
  ].join('\n');

  // ---------------------------------------------------------------- helpers

  function originOf(url) {
    if (!url) return null;
    try { return new URL(url, document.baseURI).origin; } catch (e) { return null; }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function appendHighlighted(parent, html) {
    var tpl = document.createElement('template');
    tpl.innerHTML = String(html == null ? '' : html);
    copySafe(tpl.content, parent);
    return parent;
  }

  function copySafe(src, dest) {
    for (var i = 0; i < src.childNodes.length; i++) {
      var node = src.childNodes[i];
      if (node.nodeType === 3) {
        dest.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === 1) {
        var tag = node.nodeName.toUpperCase();
        if (tag === 'MARK') {
          var mark = document.createElement('mark');
          copySafe(node, mark);
          dest.appendChild(mark);
        } else if (tag !== 'SCRIPT' && tag !== 'STYLE' && tag !== 'TEMPLATE') {
          copySafe(node, dest);
        }
      }
    }
  }

  /** A filter option: array, JSON array string ('["a","b"]'), or one plain value. */
  function toList(value) {
    if (value === undefined || value === null || value === '') return [];
    if (Array.isArray(value)) return value.map(String).filter(Boolean);
    var s = String(value).trim();
    if (s.charAt(0) === '[') {
      try {
        var parsed = JSON.parse(s);
        if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
      } catch (e) { /* fall through: a literal value starting with "[" */ }
    }
    return s ? [s] : [];
  }

  function pickLang(value) {
    var v = String(value || '').toLowerCase();
    if (v === 'fr' || v === 'en') return v;
    return /^fr/i.test(navigator.language || '') ? 'fr' : 'en';
  }

  function formatWhen(hit, locale) {
    var out = '';
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(hit.day || hit.start || '');
    if (m) {
      var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
      try {
        out = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
      } catch (e) { out = m[0]; }
    }
    var tm = /T(\d{2}):(\d{2})/.exec(hit.start || '');
    if (tm) out += (out ? ', ' : '') + tm[1] + ':' + tm[2];
    return out;
  }

  function personName(p) {
    return p ? [p.title, p.first_name, p.last_name].filter(function (x) { return x; }).join(' ') : '';
  }

  function fill(template, vars) {
    return String(template).replace(/\{(\w+)\}/g, function (all, k) {
      return Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : all;
    });
  }

  var uid = 0;

  // ---------------------------------------------------------------- widget

  function mount(target, options) {
    var host = typeof target === 'string' ? document.querySelector(target) : target;
    if (!host || host.nodeType !== 1) {
      throw new Error('AbstractSearch.mount: target element not found: ' + target);
    }
    options = options || {};
    if (host.__abstractSearch) host.__abstractSearch.destroy();

    var lang = pickLang(options.lang);
    var M = MESSAGES[lang];
    var locale = lang === 'fr' ? 'fr-FR' : 'en-GB';
    var origin = originOf(options.origin || options.apiBase) || scriptOrigin || window.location.origin;
    var perPage = parseInt(options.perPage, 10);
    if (!(perPage > 0)) perPage = 5;
    perPage = Math.min(perPage, 50);
    var fixed = FILTERS.map(function (f) { return [f[1], toList(options[f[0]])]; });
    // The facet offered as toggles (data-facet, default theme; "none" for none), unless a
    // fixed filter already pins it.
    var facetName = options.facet === undefined || options.facet === null ? 'theme' : String(options.facet).trim();
    var facetDef = null;
    FILTERS.forEach(function (f) {
      if (f[0] === facetName && !toList(options[f[0]]).length) facetDef = { name: f[0], param: f[1] };
    });
    var chosen = [];
    var id = 'as-' + (++uid);

    var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    clear(root);
    // A constructable style sheet where supported: host pages whose CSP forbids inline
    // styles block a <style> element, not this. <style> is the fallback.
    var styled = false;
    try {
      if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        styled = true;
      }
    } catch (e) { styled = false; }
    if (!styled) {
      var style = document.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }

    var wrap = el('div', 'as-root');
    wrap.setAttribute('lang', lang);
    var form = el('form', 'as-form');
    form.setAttribute('role', 'search');
    var label = el('label', 'as-vh', options.label || M.label);
    label.setAttribute('for', id + '-q');
    var input = el('input', 'as-input');
    input.type = 'search';
    input.id = id + '-q';
    input.setAttribute('autocomplete', 'off');
    input.setAttribute('spellcheck', 'false');
    input.setAttribute('placeholder', options.placeholder || M.placeholder);
    input.setAttribute('aria-controls', id + '-results');
    form.appendChild(label);
    form.appendChild(input);

    var status = el('p', 'as-status');
    status.id = id + '-status';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.setAttribute('data-state', 'idle');

    var facetBox = el('div', 'as-facet');
    facetBox.setAttribute('role', 'group');
    facetBox.hidden = true;
    if (facetDef) facetBox.setAttribute('aria-label', fill(M.filterBy, { facet: M.facets[facetDef.name] }));

    var list = el('ol', 'as-results');
    list.id = id + '-results';
    list.setAttribute('aria-label', M.resultsLabel);

    var footer = el('div', 'as-footer');
    var more = el('button', 'as-more', M.more);
    more.type = 'button';
    more.hidden = true;
    var fullLink = el('a', 'as-link', M.poweredBy + ' →');
    footer.appendChild(more);
    footer.appendChild(fullLink);

    wrap.appendChild(form);
    wrap.appendChild(facetBox);
    wrap.appendChild(status);
    wrap.appendChild(list);
    wrap.appendChild(footer);
    root.appendChild(wrap);

    var q = '';
    var page = 1;
    var shown = 0;
    var total = 0;
    var seq = 0;
    var timer = null;
    var controller = null;
    var destroyed = false;

    function params(pageNo) {
      var p = new URLSearchParams();
      if (q) p.set('q', q);
      fixed.forEach(function (f) { f[1].forEach(function (v) { p.append(f[0], v); }); });
      if (facetDef) chosen.forEach(function (v) { p.append(facetDef.param, v); });
      p.set('page', String(pageNo));
      p.set('per_page', String(perPage));
      p.set('sort', q ? 'relevance' : 'start');
      return p;
    }

    function updateFullLink() {
      var p = new URLSearchParams();
      if (q) p.set('q', q);
      fixed.forEach(function (f) { f[1].forEach(function (v) { p.append(f[0], v); }); });
      if (facetDef) chosen.forEach(function (v) { p.append(facetDef.param, v); });
      var qs = p.toString();
      fullLink.setAttribute('href', origin + '/' + (qs ? '?' + qs : ''));
    }

    function setStatus(state, text) {
      status.setAttribute('data-state', state);
      status.textContent = text;
    }

    function recordHref(hit) {
      var p = new URLSearchParams();
      if (q) p.set('q', q);
      p.set('record', String(hit.event) + '/' + String(hit.id));
      return origin + '/?' + p.toString();
    }

    function renderHit(hit) {
      var li = el('li', 'as-result');
      li.setAttribute('data-event', String(hit.event));
      li.setAttribute('data-id', String(hit.id));
      var h = el('h3', 'as-title');
      var a = el('a');
      a.setAttribute('href', recordHref(hit));
      if (hit.title_html) appendHighlighted(a, hit.title_html);
      else a.textContent = hit.title == null ? '' : String(hit.title);
      h.appendChild(a);
      li.appendChild(h);

      var meta = [];
      var when = formatWhen(hit, locale);
      if (when) meta.push(when);
      if (hit.duration_minutes != null && hit.duration_minutes !== '') meta.push(fill(M.min, { n: hit.duration_minutes }));
      if (hit.theme) meta.push(String(hit.theme));
      if (meta.length) li.appendChild(el('p', 'as-meta', meta.join(' · ')));

      var speakers = Array.isArray(hit.speakers) ? hit.speakers : [];
      if (speakers.length) {
        var sp = el('p', 'as-speakers');
        speakers.forEach(function (p, i) {
          if (i) sp.appendChild(document.createTextNode(', '));
          sp.appendChild(el('span', 'as-name', personName(p)));
          if (p && p.affiliation) sp.appendChild(document.createTextNode(' (' + p.affiliation + ')'));
        });
        li.appendChild(sp);
      }
      if (hit.snippet_html) li.appendChild(appendHighlighted(el('p', 'as-snippet'), hit.snippet_html));
      var labs = Array.isArray(hit.labs) ? hit.labs : [];
      if (labs.length) li.appendChild(el('p', 'as-meta as-labs', labs.join(', ')));
      return li;
    }

    function readJson(res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok || !data || typeof data !== 'object') {
          var err = new Error(data && data.error && data.error.message ? String(data.error.message) : fill(M.httpError, { status: res.status }));
          err.fromServer = true;
          throw err;
        }
        return data;
      });
    }

    function search(pageNo) {
      var mySeq = ++seq;
      if (controller) controller.abort();
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      var append = pageNo > 1;
      wrap.classList.add('as-busy');
      if (append) more.disabled = true;
      updateFullLink();
      fetch(origin + '/api/search?' + params(pageNo).toString(), {
        mode: 'cors',
        credentials: 'omit',
        headers: { Accept: 'application/json' },
        signal: controller ? controller.signal : undefined
      })
        .then(readJson)
        .then(function (data) {
          if (mySeq !== seq || destroyed) return;
          var hits = Array.isArray(data.hits) ? data.hits : [];
          total = +data.total || 0;
          page = pageNo;
          if (!append) {
            clear(list);
            shown = 0;
          }
          var firstNew = null;
          hits.forEach(function (hit) {
            var li = renderHit(hit);
            if (!firstNew) firstNew = li;
            list.appendChild(li);
          });
          shown += hits.length;
          if (!append) renderFacet(data.facets);
          var text = q ? M.results(total) + fill(M.forQuery, { q: q }) : M.programme(total);
          if (total > shown) text += ' — ' + fill(M.showing, { shown: shown, total: total });
          setStatus(total ? 'ok' : 'empty', text);
          more.hidden = !(shown < total && hits.length > 0);
          more.disabled = false;
          if (append && firstNew) {
            var link = firstNew.querySelector('a');
            if (link) link.focus();
          }
        })
        .catch(function (err) {
          if (mySeq !== seq || destroyed || (err && err.name === 'AbortError')) return;
          more.disabled = false;
          if (!append) { clear(list); more.hidden = true; }
          setStatus('error', err.fromServer ? err.message : M.networkError);
        })
        .then(function () {
          if (mySeq === seq) wrap.classList.remove('as-busy');
        });
    }

    function facetLabel(value) {
      if (facetDef.name === 'language') return M.languages[value] || value;
      if (facetDef.name === 'day') return formatWhen({ day: value }, locale) || value;
      return value;
    }

    /** Toggle buttons with the API's (disjunctive) counts; chosen values stay shown. */
    function renderFacet(facets) {
      if (!facetDef) return;
      var counts = facets && Array.isArray(facets[facetDef.name]) ? facets[facetDef.name] : [];
      var values = [];
      var seen = Object.create(null);
      counts.forEach(function (item) {
        if (!item || item.value === null || item.value === undefined || item.value === '') return;
        var v = String(item.value);
        seen[v] = true;
        values.push([v, +item.count || 0]);
      });
      chosen.forEach(function (v) { if (!seen[v]) values.push([v, 0]); });
      if (facetDef.name === 'day') values.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
      var focused = root.activeElement;
      var refocus = focused && focused.classList.contains('as-chip') ? focused.getAttribute('data-value') : null;
      clear(facetBox);
      values.forEach(function (entry) {
        var button = el('button', 'as-chip');
        button.type = 'button';
        button.setAttribute('data-value', entry[0]);
        button.setAttribute('aria-pressed', chosen.indexOf(entry[0]) >= 0 ? 'true' : 'false');
        button.appendChild(el('span', 'as-value', facetLabel(entry[0])));
        button.appendChild(el('span', 'as-count', String(entry[1])));
        facetBox.appendChild(button);
        if (refocus === entry[0]) button.focus();
      });
      facetBox.hidden = values.length === 0;
    }

    function onFacetClick(e) {
      var button = e.target.closest ? e.target.closest('.as-chip') : null;
      if (!button) return;
      var value = button.getAttribute('data-value');
      var i = chosen.indexOf(value);
      if (i >= 0) chosen.splice(i, 1);
      else chosen.push(value);
      button.setAttribute('aria-pressed', i >= 0 ? 'false' : 'true');
      search(1);
    }

    function setQuery(value) {
      var nq = String(value == null ? '' : value).trim();
      if (nq === q && list.firstChild) return;
      q = nq;
      search(1);
    }

    function onInput() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; setQuery(input.value); }, DEBOUNCE_MS);
    }

    function onSubmit(e) {
      e.preventDefault();
      if (timer) { clearTimeout(timer); timer = null; }
      var nq = input.value.trim();
      if (nq !== q || !list.firstChild) { q = nq; search(1); }
    }

    function onMore() {
      if (shown < total) search(page + 1);
    }

    form.addEventListener('submit', onSubmit);
    input.addEventListener('input', onInput);
    more.addEventListener('click', onMore);
    facetBox.addEventListener('click', onFacetClick);

    if (options.q) input.value = String(options.q);
    q = input.value.trim();
    search(1);

    var api = {
      element: host,
      search: function (value) { input.value = value == null ? '' : String(value); setQuery(input.value); },
      destroy: function () {
        destroyed = true;
        if (timer) clearTimeout(timer);
        if (controller) controller.abort();
        clear(root);
        if (host.__abstractSearch === api) host.__abstractSearch = null;
      }
    };
    host.__abstractSearch = api;
    host.setAttribute('data-abstract-search', 'mounted');
    return api;
  }

  function optionsFromScript(s) {
    var d = s.dataset;
    return {
      event: d.event,
      theme: d.theme,
      lab: d.lab,
      day: d.day,
      language: d.language,
      lang: d.lang,
      perPage: d.perPage,
      placeholder: d.placeholder,
      facet: d.facet,
      label: d.label,
      q: d.q
    };
  }

  if (!window.AbstractSearch) {
    window.AbstractSearch = { mount: mount, version: '1' };
  }

  // Auto-mount from the <script data-target="..."> tag.
  if (script && script.getAttribute('data-target')) {
    var selector = script.getAttribute('data-target');
    var opts = optionsFromScript(script);
    var go = function () {
      var target;
      try { target = document.querySelector(selector); } catch (e) { target = null; }
      if (!target) {
        if (window.console) console.error('abstract-search embed: no element matches data-target "' + selector + '"');
        return;
      }
      mount(target, opts);
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
    else go();
  }
})();
