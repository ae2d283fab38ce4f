/* abstract-search: search page logic.
 *
 * Safety rule: record text is only ever inserted with textContent / createTextNode /
 * setAttribute. The two server-highlighted fields (title_html, snippet_html) go through
 * appendHighlighted(), which parses them in an inert <template> and copies back only text
 * nodes and <mark> elements.
 */
(function () {
  'use strict';

  // Facet key in the API response -> query parameter name (URL and API).
  var FACETS = [
    { key: 'theme', param: 'theme' },
    { key: 'lab', param: 'lab' },
    { key: 'day', param: 'day' },
    { key: 'language', param: 'lang' },
    { key: 'event', param: 'event' }
  ];
  var SORTS = ['relevance', 'start', '-start'];
  var DEFAULT_PER_PAGE = 10;
  var DEBOUNCE_MS = 200;
  var FACET_VISIBLE = 8;

  var MESSAGES = {
    en: {
      appName: 'Abstract search',
      skip: 'Skip to results',
      searchLabel: 'Search contributions',
      placeholder: 'Search titles, abstracts, speakers, labs…',
      searchButton: 'Search',
      filters: 'Filters',
      refine: 'Refine results',
      clearFilters: 'Clear all filters',
      resultsHeading: 'Search results',
      sortLabel: 'Sort by',
      sortRelevance: 'Relevance',
      sortStart: 'Programme order',
      sortReverse: 'Reverse programme order',
      back: '← Back to results',
      footer: 'Full-text search over conference contributions.',
      api: 'JSON API',
      activeFilters: 'Active filters',
      pagination: 'Pagination',
      facet_theme: 'Theme',
      facet_lab: 'Lab',
      facet_day: 'Day',
      facet_lang: 'Language',
      facet_event: 'Event',
      showAll: 'Show all ({n})',
      showFewer: 'Show fewer',
      resultsCount: function (n) { return n === 0 ? 'No results' : n === 1 ? '1 result' : fmtInt(n) + ' results'; },
      forQuery: ' for “{q}”',
      pageOf: 'page {page} of {pages}',
      searching: 'Searching…',
      noResultsHelp: 'Try other words or remove some filters.',
      pastEnd: 'page {page} is past the last page: ',
      lastPage: 'go to page {pages}',
      emptyPrompt: 'Type words to search the contributions.',
      networkError: 'The search service could not be reached. Please try again.',
      httpError: 'The server answered with an error (HTTP {status}).',
      prev: 'Previous',
      next: 'Next',
      pageN: 'Page {n}',
      removeFilter: 'Remove filter {facet}: {value}',
      speakers: 'Speakers',
      speaker: 'Speaker',
      authors: 'Authors',
      author: 'Author',
      coauthors: 'Co-authors',
      coauthor: 'Co-author',
      labs: 'Labs',
      type: 'Type',
      date: 'Date',
      duration: 'Duration',
      theme: 'Theme',
      session: 'Session',
      language: 'Language',
      keywords: 'Keywords',
      event: 'Event',
      abstract: 'Abstract',
      noAbstract: 'No abstract.',
      source: 'Source',
      viewJson: 'View as JSON',
      minutes: '{n} min',
      hours: '{h} h',
      hoursMinutes: '{h} h {m} min',
      lang_en: 'English',
      lang_fr: 'French',
      loadingRecord: 'Loading contribution…',
      recordShown: 'Contribution: {title}',
      recordError: 'This contribution could not be loaded: {message}'
    },
    fr: {
      appName: 'Recherche de résumés',
      skip: 'Aller aux résultats',
      searchLabel: 'Rechercher dans les contributions',
      placeholder: 'Titres, résumés, orateurs, laboratoires…',
      searchButton: 'Rechercher',
      filters: 'Filtres',
      refine: 'Affiner les résultats',
      clearFilters: 'Effacer tous les filtres',
      resultsHeading: 'Résultats de la recherche',
      sortLabel: 'Trier par',
      sortRelevance: 'Pertinence',
      sortStart: 'Ordre du programme',
      sortReverse: 'Ordre inverse du programme',
      back: '← Retour aux résultats',
      footer: 'Recherche plein texte dans les contributions de conférences.',
      api: 'API JSON',
      activeFilters: 'Filtres actifs',
      pagination: 'Pagination',
      facet_theme: 'Thématique',
      facet_lab: 'Laboratoire',
      facet_day: 'Jour',
      facet_lang: 'Langue',
      facet_event: 'Événement',
      showAll: 'Tout afficher ({n})',
      showFewer: 'Afficher moins',
      resultsCount: function (n) { return n === 0 ? 'Aucun résultat' : n === 1 ? '1 résultat' : fmtInt(n) + ' résultats'; },
      forQuery: ' pour « {q} »',
      pageOf: 'page {page} sur {pages}',
      searching: 'Recherche…',
      noResultsHelp: 'Essayez d’autres mots ou retirez des filtres.',
      pastEnd: 'la page {page} est au-delà de la dernière : ',
      lastPage: 'aller à la page {pages}',
      emptyPrompt: 'Saisissez des mots pour rechercher dans les contributions.',
      networkError: 'Le service de recherche est injoignable. Veuillez réessayer.',
      httpError: 'Le serveur a répondu par une erreur (HTTP {status}).',
      prev: 'Précédent',
      next: 'Suivant',
      pageN: 'Page {n}',
      removeFilter: 'Retirer le filtre {facet} : {value}',
      speakers: 'Orateurs',
      speaker: 'Orateur',
      authors: 'Auteurs',
      author: 'Auteur',
      coauthors: 'Co-auteurs',
      coauthor: 'Co-auteur',
      labs: 'Laboratoires',
      type: 'Type',
      date: 'Date',
      duration: 'Durée',
      theme: 'Thématique',
      session: 'Session',
      language: 'Langue',
      keywords: 'Mots-clés',
      event: 'Événement',
      abstract: 'Résumé',
      noAbstract: 'Pas de résumé.',
      source: 'Source',
      viewJson: 'Voir en JSON',
      minutes: '{n} min',
      hours: '{h} h',
      hoursMinutes: '{h} h {m} min',
      lang_en: 'Anglais',
      lang_fr: 'Français',
      loadingRecord: 'Chargement de la contribution…',
      recordShown: 'Contribution : {title}',
      recordError: 'Impossible de charger cette contribution : {message}'
    }
  };

  // ---------------------------------------------------------------- language

  var initialParams = new URLSearchParams(window.location.search);
  var uiOverride = /^(fr|en)$/.test(initialParams.get('ui') || '') ? initialParams.get('ui') : null;
  var LANG = uiOverride || (/^fr/i.test(navigator.language || '') ? 'fr' : 'en');
  var LOCALE = LANG === 'fr' ? 'fr-FR' : 'en-GB';
  var M = MESSAGES[LANG];

  function colon() {
    return LANG === 'fr' ? '\u00a0: ' : ': ';
  }

  function fmtInt(n) {
    try { return new Intl.NumberFormat(LOCALE).format(n); } catch (e) { return String(n); }
  }

  function t(key, vars) {
    var msg = M[key];
    if (msg === undefined) msg = MESSAGES.en[key];
    if (msg === undefined) return key;
    return String(msg).replace(/\{(\w+)\}/g, function (all, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
    });
  }

  // ---------------------------------------------------------------- DOM helpers

  function $(id) { return document.getElementById(id); }

  /** Create an element. attrs: className, text, or any attribute (set with setAttribute). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === 'className') node.className = value;
        else if (name === 'text') node.textContent = String(value);
        else if (name === 'hidden') node.hidden = true;
        else node.setAttribute(name, value === true ? '' : String(value));
      });
    }
    appendChildren(node, children);
    return node;
  }

  function appendChildren(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) appendChildren(node, child);
      else if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
      else node.appendChild(child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /**
   * Insert server-highlighted HTML (escaped text + <mark>). Parsed in an inert template
   * (no script runs, no resource loads), then only text nodes and <mark> are copied.
   */
  function appendHighlighted(parent, html) {
    var tpl = document.createElement('template');
    tpl.innerHTML = String(html == null ? '' : html);
    copySafe(tpl.content, parent);
    return parent;
  }

  function copySafe(src, dest) {
    var nodes = src.childNodes;
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
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

  function isPlainClick(event) {
    return event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
  }

  // ---------------------------------------------------------------- formatting

  function parseDay(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || '');
    return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
  }

  function formatDay(value, long) {
    var d = parseDay(value);
    if (!d) return value ? String(value) : '';
    var opts = long
      ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
      : { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' };
    try { return new Intl.DateTimeFormat(LOCALE, opts).format(d); } catch (e) { return String(value); }
  }

  function formatTime(start) {
    var m = /T(\d{2}):(\d{2})/.exec(start || '');
    return m ? m[1] + ':' + m[2] : '';
  }

  function formatDuration(minutes) {
    if (minutes === null || minutes === undefined || minutes === '' || isNaN(+minutes)) return '';
    var n = +minutes;
    if (n < 60) return t('minutes', { n: n });
    var h = Math.floor(n / 60), m = n % 60;
    return m ? t('hoursMinutes', { h: h, m: m }) : t('hours', { h: h });
  }

  function languageName(code) {
    if (!code) return '';
    var key = 'lang_' + String(code).toLowerCase();
    return M[key] || String(code);
  }

  function personName(p) {
    if (!p) return '';
    return [p.title, p.first_name, p.last_name].filter(function (x) { return x; }).join(' ');
  }

  var eventTitles = Object.create(null);
  var eventTitlesAsked = Object.create(null);

  /** Event titles come with hits; a facet listing an event none of the hits shown is from
   *  (no hits, or a ticked event) asks for one record of it, once, and shows its title. */
  function learnEventTitle(slug) {
    if (eventTitles[slug] || eventTitlesAsked[slug]) return;
    eventTitlesAsked[slug] = true;
    fetch('/api/search?per_page=1&event=' + encodeURIComponent(slug), {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
      .then(readJson)
      .then(function (data) {
        var hit = data && Array.isArray(data.hits) ? data.hits[0] : null;
        if (!hit || !hit.event_title) return;
        eventTitles[slug] = String(hit.event_title);
        var boxes = facetsEl.querySelectorAll('input.facet__checkbox[name="event"]');
        for (var i = 0; i < boxes.length; i++) {
          if (boxes[i].value !== slug) continue;
          var label = boxes[i].nextSibling;
          var text = label && label.querySelector ? label.querySelector('.facet__value') : null;
          if (text) {
            text.textContent = eventTitles[slug];
            label.setAttribute('title', slug);
          }
        }
      })
      .catch(function () { /* the slug stays: it is still a correct label */ });
  }

  function facetValueLabel(param, value) {
    if (param === 'day') return formatDay(value, false);
    if (param === 'lang') return languageName(value);
    if (param === 'event') return eventTitles[value] || String(value);
    return String(value);
  }

  // ---------------------------------------------------------------- state <-> URL

  function posInt(value, fallback) {
    var n = parseInt(value, 10);
    return n > 0 && String(n) === String(value).trim() ? n : fallback;
  }

  function readState(search) {
    var p = new URLSearchParams(search);
    var sort = p.get('sort');
    var state = {
      q: (p.get('q') || '').trim(),
      page: posInt(p.get('page'), 1),
      sort: SORTS.indexOf(sort) >= 0 ? sort : '', // '' is the server's default for the query
      perPage: Math.min(posInt(p.get('per_page'), DEFAULT_PER_PAGE), 100),
      filters: {},
      record: p.get('record') || null
    };
    FACETS.forEach(function (f) {
      var seen = Object.create(null);
      state.filters[f.param] = p.getAll(f.param).filter(function (v) {
        if (!v || seen[v]) return false;
        seen[v] = true;
        return true;
      });
    });
    // Alternative deep link form: #/contribution/{event}/{id}
    var hash = /^#\/contribution\/([^/]+)\/([^/]+)$/.exec(window.location.hash || '');
    if (!state.record && hash) {
      try { state.record = decodeURIComponent(hash[1]) + '/' + decodeURIComponent(hash[2]); } catch (e) { /* ignore */ }
    }
    return state;
  }

  function copyState(s) {
    var c = { q: s.q, page: s.page, sort: s.sort, perPage: s.perPage, filters: {}, record: s.record };
    FACETS.forEach(function (f) { c.filters[f.param] = s.filters[f.param].slice(); });
    return c;
  }

  /** Search parameters (shared by the page URL and the API call). */
  function searchParams(s, forApi) {
    var p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    FACETS.forEach(function (f) {
      s.filters[f.param].forEach(function (v) { p.append(f.param, v); });
    });
    if (forApi) {
      p.set('page', String(s.page));
      p.set('per_page', String(s.perPage));
      if (s.sort) p.set('sort', s.sort);
    } else {
      if (s.sort) p.set('sort', s.sort);
      if (s.page > 1) p.set('page', String(s.page));
      if (s.perPage !== DEFAULT_PER_PAGE) p.set('per_page', String(s.perPage));
    }
    return p;
  }

  function pageUrl(s) {
    var p = searchParams(s, false);
    if (s.record) p.set('record', s.record);
    if (uiOverride) p.set('ui', uiOverride);
    var qs = p.toString();
    return window.location.pathname + (qs ? '?' + qs : '');
  }

  /** The order the server applies: relevance for a query, programme order without one. */
  function effectiveSort(s) {
    return s.sort || (s.q ? 'relevance' : 'start');
  }

  function activeFilterCount(s) {
    return FACETS.reduce(function (n, f) { return n + s.filters[f.param].length; }, 0);
  }

  // ---------------------------------------------------------------- elements

  var form, input, statusEl, resultsEl, pagerEl, facetsEl, filtersEl, filtersBadge,
    clearBtn, sortEl, activeEl, resultsView, detailView, detailBody, detailBack, resultsHeading;

  var state;
  var typingEntry = false;       // current history entry was created by search-as-you-type
  var debounceTimer = null;
  var searchController = null;
  var searchSeq = 0;
  var lastSearchKey = null;      // API query string of the results currently displayed
  var lastData = null;
  var expandedFacets = Object.create(null);
  var recordController = null;
  var shownRecord = null;
  var openedFromResults = false; // detail opened by clicking a result (history.back() returns)
  var focusKeyOnResults = null;  // result link to refocus when coming back from the detail

  // ---------------------------------------------------------------- history

  function commit(mode) {
    var url = pageUrl(state);
    var current = window.location.pathname + window.location.search;
    if (url === current || (mode === 'typing' && typingEntry)) {
      window.history.replaceState({ abstractSearch: true }, '', url);
    } else {
      window.history.pushState({ abstractSearch: true }, '', url);
    }
    typingEntry = mode === 'typing';
    apply();
  }

  function onPopState() {
    state = readState(window.location.search);
    typingEntry = false;
    syncControls();
    apply();
  }

  // ---------------------------------------------------------------- apply state

  function apply() {
    var key = searchParams(state, true).toString();
    if (key !== lastSearchKey) runSearch(key);
    else if (lastData) renderFacets(lastData.facets || {});
    renderActiveFilters();
    sortEl.value = effectiveSort(state);
    if (state.record) {
      showDetail(state.record);
    } else {
      hideDetail();
      if (focusKeyOnResults && key === lastSearchKey) refocusResult();
    }
    updateTitle();
  }

  function updateTitle() {
    var base = t('appName');
    if (state.record && shownRecord && shownRecord.key === state.record && shownRecord.title) {
      document.title = shownRecord.title + ' – ' + base;
    } else if (state.q) {
      document.title = state.q + ' – ' + base;
    } else {
      document.title = base;
    }
  }

  function syncControls() {
    if (input.value.trim() !== state.q) input.value = state.q;
    sortEl.value = effectiveSort(state);
  }

  // ---------------------------------------------------------------- fetching

  function readJson(res) {
    return res.text().then(function (text) {
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (!res.ok || !data || typeof data !== 'object') {
        // The API quotes parameter names in backticks (`page`): typographic quotes here.
        var msg = data && data.error && data.error.message
          ? String(data.error.message).replace(/`([^`]*)`/g, '“$1”')
          : t('httpError', { status: res.status });
        var err = new Error(msg);
        err.status = res.status;
        err.code = data && data.error ? data.error.code : null;
        err.fromServer = true;
        throw err;
      }
      return data;
    });
  }

  function runSearch(key) {
    var seq = ++searchSeq;
    if (searchController) searchController.abort();
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    searchController = controller;
    setBusy(true);
    var snapshot = copyState(state);
    fetch('/api/search?' + key, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      signal: controller ? controller.signal : undefined
    })
      .then(readJson)
      .then(function (data) {
        if (seq !== searchSeq) return;
        lastSearchKey = key;
        lastData = data;
        renderSearch(data, snapshot);
      })
      .catch(function (err) {
        if (seq !== searchSeq || (err && err.name === 'AbortError')) return;
        lastSearchKey = null;
        lastData = null;
        if (!err.fromServer && !(err instanceof TypeError && /fetch|network|load/i.test(err.message))) {
          if (window.console) console.error(err);
        }
        if (!snapshot.q && activeFilterCount(snapshot) === 0 && err.fromServer && err.status === 400) {
          // The server may refuse an empty query: show the facets and a prompt instead.
          loadFacetsOnly(seq);
          return;
        }
        showError(err.fromServer ? err.message : t('networkError'));
      })
      .then(function () {
        if (seq === searchSeq) setBusy(false);
      });
  }

  function loadFacetsOnly(seq) {
    fetch('/api/facets', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(readJson)
      .then(function (data) {
        if (seq !== searchSeq) return;
        clear(resultsEl);
        renderPager(0, 1, state.perPage);
        renderFacets(data.facets || {});
        setStatus('idle', [t('emptyPrompt')]);
      })
      .catch(function (err) {
        if (seq !== searchSeq) return;
        showError(err.fromServer ? err.message : t('networkError'));
      });
  }

  function setBusy(busy) {
    if (busy) {
      resultsEl.setAttribute('aria-busy', 'true');
      document.body.classList.add('is-loading');
    } else {
      resultsEl.removeAttribute('aria-busy');
      document.body.classList.remove('is-loading');
    }
  }

  function setStatus(kind, children) {
    statusEl.setAttribute('data-state', kind);
    clear(statusEl);
    appendChildren(statusEl, children);
  }

  function showError(message) {
    clear(resultsEl);
    pagerEl.hidden = true;
    clear(pagerEl);
    setStatus('error', [el('span', { className: 'status__error', id: 'status-error', text: message })]);
  }

  // ---------------------------------------------------------------- rendering: search

  function renderSearch(data, snapshot) {
    var hits = Array.isArray(data.hits) ? data.hits : [];
    hits.forEach(function (h) {
      if (h && h.event && h.event_title) eventTitles[h.event] = String(h.event_title);
    });
    var total = +data.total || 0;
    var perPage = +data.per_page || snapshot.perPage;
    var page = +data.page || snapshot.page;
    var pages = Math.max(1, Math.ceil(total / perPage));

    var parts = [el('span', { id: 'result-count', className: 'status__count', 'data-total': total, text: M.resultsCount(total) })];
    var shownQuery = typeof data.query === 'string' && data.query ? data.query : snapshot.q;
    if (shownQuery) parts.push(t('forQuery', { q: shownQuery }));
    if (pages > 1) parts.push(el('span', { className: 'status__page', text: ' · ' + t('pageOf', { page: page, pages: pages }) }));
    if (total === 0) parts.push(el('span', { className: 'status__help', text: ' — ' + t('noResultsHelp') }));
    // `page=5` of 3 results: the count alone over an empty list reads as a bug.
    if (total > 0 && hits.length === 0 && page > pages) {
      parts.push(el('span', { className: 'status__help', id: 'past-end' }, [
        ' — ' + t('pastEnd', { page: page }),
        pageLink(pages, t('lastPage', { pages: pages }), 'status__last-page')
      ]));
    }
    if (typeof data.took_ms === 'number') {
      parts.push(el('span', { className: 'status__timing', 'aria-hidden': 'true', text: ' · ' + fmtMs(data.took_ms) }));
    }
    setStatus(total === 0 ? 'empty' : 'ok', parts);

    clear(resultsEl);
    resultsEl.setAttribute('data-total', String(total));
    resultsEl.setAttribute('data-page', String(page));
    var startIndex = (page - 1) * perPage;
    var frag = document.createDocumentFragment();
    hits.forEach(function (hit, i) { frag.appendChild(renderHit(hit, startIndex + i + 1)); });
    resultsEl.appendChild(frag);

    renderFacets(data.facets || {});
    renderActiveFilters();
    renderPager(total, page, perPage);

    if (focusKeyOnResults && !state.record) refocusResult();
  }

  function fmtMs(ms) {
    var v = ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms);
    try { return new Intl.NumberFormat(LOCALE).format(v) + ' ms'; } catch (e) { return v + ' ms'; }
  }

  function recordKey(eventSlug, id) {
    return String(eventSlug) + '/' + String(id);
  }

  function recordPageUrl(key) {
    var s = copyState(state);
    s.record = key;
    return pageUrl(s);
  }

  function apiRecordUrl(key) {
    var i = key.lastIndexOf('/');
    return '/api/contributions/' + encodeURIComponent(key.slice(0, i)) + '/' + encodeURIComponent(key.slice(i + 1));
  }

  function renderPeopleInline(people) {
    var out = [];
    people.forEach(function (p, i) {
      if (i > 0) out.push(', ');
      var span = el('span', { className: 'person' }, [el('span', { className: 'person__name', text: personName(p) })]);
      if (p && p.affiliation) {
        span.appendChild(document.createTextNode(' '));
        span.appendChild(el('span', { className: 'person__affiliation', text: '(' + p.affiliation + ')' }));
      }
      out.push(span);
    });
    return out;
  }

  function renderHit(hit, position) {
    var key = recordKey(hit.event, hit.id);
    var link = el('a', {
      className: 'result__link',
      href: recordPageUrl(key),
      'data-record': key
    });
    if (hit.title_html) appendHighlighted(link, hit.title_html);
    else link.textContent = hit.title == null ? key : String(hit.title);

    var meta = el('p', { className: 'result__meta' });
    var metaParts = [];
    if (hit.day || hit.start) {
      var when = el('time', { className: 'result__when' });
      if (hit.start) when.setAttribute('datetime', String(hit.start));
      else if (hit.day) when.setAttribute('datetime', String(hit.day));
      var dayText = formatDay(hit.day || (hit.start ? String(hit.start).slice(0, 10) : ''), false);
      var timeText = formatTime(hit.start);
      when.textContent = timeText ? dayText + ', ' + timeText : dayText;
      metaParts.push(when);
    }
    var dur = formatDuration(hit.duration_minutes);
    if (dur) metaParts.push(el('span', { className: 'result__duration', text: dur }));
    if (hit.theme) metaParts.push(el('span', { className: 'result__theme', text: hit.theme }));
    if (hit.language) {
      metaParts.push(el('span', { className: 'result__language', lang: String(hit.language), title: t('language'), text: String(hit.language).toUpperCase() }));
    }
    metaParts.forEach(function (part, i) {
      if (i > 0) meta.appendChild(el('span', { className: 'sep', 'aria-hidden': 'true', text: ' · ' }));
      meta.appendChild(part);
    });

    var body = [
      el('h3', { className: 'result__title' }, link),
      metaParts.length ? meta : null
    ];

    var speakers = Array.isArray(hit.speakers) ? hit.speakers : [];
    if (speakers.length) {
      body.push(el('p', { className: 'result__speakers' }, [
        el('span', { className: 'label', text: (speakers.length > 1 ? t('speakers') : t('speaker')) + colon() }),
        renderPeopleInline(speakers)
      ]));
    }

    if (hit.snippet_html) {
      body.push(appendHighlighted(el('p', { className: 'result__snippet' }), hit.snippet_html));
    }

    var footer = [];
    var labs = Array.isArray(hit.labs) ? hit.labs : [];
    if (labs.length) {
      footer.push(el('ul', { className: 'tags result__labs', 'aria-label': t('labs') },
        labs.map(function (lab) { return el('li', { className: 'tag', text: lab }); })));
    }
    if (hit.event_title) footer.push(el('span', { className: 'result__event', text: hit.event_title }));
    if (footer.length) body.push(el('div', { className: 'result__footer' }, footer));

    return el('li', {
      className: 'result',
      'data-event': hit.event,
      'data-id': hit.id,
      'data-position': position
    }, el('article', { className: 'result__card' }, body));
  }

  function refocusResult() {
    var links = resultsEl.querySelectorAll('a.result__link');
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute('data-record') === focusKeyOnResults) {
        links[i].focus();
        break;
      }
    }
    focusKeyOnResults = null;
  }

  // ---------------------------------------------------------------- rendering: facets

  function renderFacets(facets) {
    var active = document.activeElement;
    var refocus = null;
    if (active && active.classList && active.classList.contains('facet__checkbox')) {
      refocus = { param: active.name, value: active.value };
    } else if (active && active.classList && active.classList.contains('facet__more')) {
      refocus = { more: active.getAttribute('data-facet') };
    }

    clear(facetsEl);
    FACETS.forEach(function (f) {
      var list = Array.isArray(facets[f.key]) ? facets[f.key].slice() : [];
      var selected = state.filters[f.param];
      var present = Object.create(null);
      list = list.filter(function (item) {
        if (!item || item.value === null || item.value === undefined || item.value === '') return false;
        present[String(item.value)] = true;
        return true;
      });
      selected.forEach(function (v) {
        if (!present[v]) list.push({ value: v, count: 0 });
      });
      if (f.param === 'day') {
        // Days read best in calendar order; the other facets stay by count.
        list.sort(function (a, b) { return String(a.value) < String(b.value) ? -1 : String(a.value) > String(b.value) ? 1 : 0; });
      }
      if (!list.length) return;

      var fieldset = el('fieldset', { className: 'facet', id: 'facet-' + f.param, 'data-facet': f.param });
      fieldset.appendChild(el('legend', { className: 'facet__legend', text: t('facet_' + f.param) }));
      var ul = el('ul', { className: 'facet__list' });
      var expanded = !!expandedFacets[f.param];
      var hiddenCount = 0;
      list.forEach(function (item, i) {
        var value = String(item.value);
        var checked = selected.indexOf(value) >= 0;
        var id = 'facet-' + f.param + '-' + i;
        var cb = el('input', {
          type: 'checkbox',
          id: id,
          className: 'facet__checkbox',
          name: f.param,
          value: value,
          'data-facet': f.param
        });
        cb.checked = checked;
        var count = +item.count || 0;
        var label = el('label', { 'for': id, className: 'facet__label' }, [
          el('span', { className: 'facet__value', text: facetValueLabel(f.param, value) }),
          el('span', { className: 'facet__count' }, [
            el('span', { className: 'visually-hidden', text: ' (' }),
            fmtInt(count),
            el('span', { className: 'visually-hidden', text: ')' })
          ])
        ]);
        if (f.param === 'event' && eventTitles[value]) label.setAttribute('title', value);
        if (f.param === 'event' && !eventTitles[value]) learnEventTitle(value);
        var li = el('li', { className: 'facet__item' + (count === 0 ? ' facet__item--empty' : '') }, [cb, label]);
        if (i >= FACET_VISIBLE && !expanded && !checked) {
          li.hidden = true;
          hiddenCount++;
        }
        ul.appendChild(li);
      });
      fieldset.appendChild(ul);
      if (list.length > FACET_VISIBLE) {
        fieldset.appendChild(el('button', {
          type: 'button',
          className: 'facet__more button button--link',
          'data-facet': f.param,
          'aria-expanded': expanded ? 'true' : 'false',
          'aria-controls': 'facet-' + f.param,
          text: expanded ? t('showFewer') : t('showAll', { n: list.length })
        }));
      }
      facetsEl.appendChild(fieldset);
    });
    var heading = document.querySelector('.filters__heading');
    if (heading) heading.hidden = !facetsEl.firstChild;

    if (refocus) {
      var target = null;
      if (refocus.more) {
        target = facetsEl.querySelector('.facet__more[data-facet="' + cssEscape(refocus.more) + '"]');
      } else {
        var boxes = facetsEl.querySelectorAll('input.facet__checkbox');
        for (var i = 0; i < boxes.length; i++) {
          if (boxes[i].name === refocus.param && boxes[i].value === refocus.value) { target = boxes[i]; break; }
        }
      }
      if (target) target.focus();
    }
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/[^\w-]/g, '\\$&');
  }

  var activeSignature = null;

  function renderActiveFilters() {
    var items = [];
    FACETS.forEach(function (f) {
      state.filters[f.param].forEach(function (value) {
        items.push([f.param, value, facetValueLabel(f.param, value)]);
      });
    });
    var signature = JSON.stringify(items);
    var n = items.length;
    activeEl.hidden = n === 0;
    clearBtn.hidden = n === 0;
    filtersBadge.hidden = n === 0;
    filtersBadge.textContent = n ? String(n) : '';
    if (signature === activeSignature) return; // unchanged: keep the nodes (and keyboard focus)
    activeSignature = signature;

    var focused = document.activeElement;
    var refocus = focused && focused.classList && focused.classList.contains('chip') && activeEl.contains(focused)
      ? [focused.getAttribute('data-facet'), focused.getAttribute('data-value')] : null;
    clear(activeEl);
    items.forEach(function (item) {
      var param = item[0], value = item[1], valueLabel = item[2];
      var facetName = t('facet_' + param);
      var btn = el('button', {
        type: 'button',
        className: 'chip',
        'data-facet': param,
        'data-value': value,
        'aria-label': t('removeFilter', { facet: facetName, value: valueLabel })
      }, [
        el('span', { className: 'chip__facet', text: facetName + colon() }),
        el('span', { className: 'chip__value', text: valueLabel }),
        el('span', { className: 'chip__x', 'aria-hidden': 'true', text: '×' })
      ]);
      activeEl.appendChild(el('li', null, btn));
      if (refocus && refocus[0] === param && refocus[1] === value) btn.focus();
    });
  }

  // ---------------------------------------------------------------- rendering: pager

  function pageWindow(page, pages) {
    var set = [1, pages, page - 2, page - 1, page, page + 1, page + 2]
      .filter(function (p) { return p >= 1 && p <= pages; })
      .sort(function (a, b) { return a - b; });
    var out = [];
    set.forEach(function (p) {
      if (out.length && out[out.length - 1] === p) return;
      if (out.length && p - out[out.length - 1] === 2) out.push(p - 1);
      else if (out.length && p - out[out.length - 1] > 2) out.push(null);
      out.push(p);
    });
    return out;
  }

  function pageLink(n, text, className, attrs) {
    var s = copyState(state);
    s.page = n;
    s.record = null;
    var a = el('a', Object.assign({ className: className, href: pageUrl(s), 'data-page': n }, attrs || {}));
    appendChildren(a, text);
    return a;
  }

  function renderPager(total, page, perPage) {
    clear(pagerEl);
    var pages = Math.ceil(total / perPage);
    if (pages <= 1 && page <= 1) {
      pagerEl.hidden = true;
      return;
    }
    pages = Math.max(pages, 1);
    var ul = el('ul', { className: 'pager__list' });
    if (page > 1) {
      ul.appendChild(el('li', null, pageLink(Math.min(page - 1, pages), [el('span', { 'aria-hidden': 'true', text: '‹ ' }), t('prev')], 'pager__prev', { rel: 'prev' })));
    } else {
      ul.appendChild(el('li', null, el('span', { className: 'pager__prev is-disabled', 'aria-disabled': 'true' }, [el('span', { 'aria-hidden': 'true', text: '‹ ' }), t('prev')])));
    }
    pageWindow(Math.min(page, pages), pages).forEach(function (p) {
      if (p === null) {
        ul.appendChild(el('li', { className: 'pager__gap', 'aria-hidden': 'true', text: '…' }));
      } else {
        var attrs = { 'aria-label': t('pageN', { n: p }) };
        if (p === page) attrs['aria-current'] = 'page';
        ul.appendChild(el('li', null, pageLink(p, String(p), 'pager__page', attrs)));
      }
    });
    if (page < pages) {
      ul.appendChild(el('li', null, pageLink(page + 1, [t('next'), el('span', { 'aria-hidden': 'true', text: ' ›' })], 'pager__next', { rel: 'next' })));
    } else {
      ul.appendChild(el('li', null, el('span', { className: 'pager__next is-disabled', 'aria-disabled': 'true' }, [t('next'), el('span', { 'aria-hidden': 'true', text: ' ›' })])));
    }
    pagerEl.appendChild(ul);
    pagerEl.hidden = false;
  }

  // ---------------------------------------------------------------- detail view

  function showDetail(key) {
    resultsView.hidden = true;
    detailView.hidden = false;
    var s = copyState(state);
    s.record = null;
    detailBack.setAttribute('href', pageUrl(s));
    if (shownRecord && shownRecord.key === key && shownRecord.loaded) return;

    if (recordController) recordController.abort();
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    recordController = controller;
    shownRecord = { key: key, loaded: false, title: null };
    clear(detailBody);
    detailBody.setAttribute('aria-busy', 'true');
    detailBody.appendChild(el('p', { className: 'detail__loading', text: t('loadingRecord') }));

    var slash = key.lastIndexOf('/');
    if (slash <= 0 || slash === key.length - 1) {
      renderDetailError(key, t('httpError', { status: 404 }));
      return;
    }
    fetch(apiRecordUrl(key), {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      signal: controller ? controller.signal : undefined
    })
      .then(readJson)
      .then(function (rec) {
        if (!shownRecord || shownRecord.key !== key) return;
        shownRecord.loaded = true;
        shownRecord.title = rec.title ? String(rec.title) : key;
        renderDetail(key, rec);
        updateTitle();
      })
      .catch(function (err) {
        if (err && err.name === 'AbortError') return;
        if (!shownRecord || shownRecord.key !== key) return;
        renderDetailError(key, err.fromServer ? err.message : t('networkError'));
      });
  }

  function hideDetail() {
    if (recordController) recordController.abort();
    recordController = null;
    shownRecord = null;
    detailView.hidden = true;
    resultsView.hidden = false;
  }

  function renderDetailError(key, message) {
    clear(detailBody);
    detailBody.removeAttribute('aria-busy');
    var h = el('h2', { id: 'detail-title', className: 'detail__title', tabindex: '-1', text: key });
    detailBody.appendChild(h);
    detailBody.appendChild(el('p', { className: 'detail__error', id: 'detail-error', role: 'alert', text: t('recordError', { message: message }) }));
    h.focus();
  }

  function personList(people, className) {
    return el('ul', { className: 'people ' + className }, people.map(function (p) {
      var li = el('li', { className: 'person' }, el('span', { className: 'person__name', text: personName(p) }));
      if (p && p.affiliation) {
        li.appendChild(el('span', { className: 'person__affiliation', text: p.affiliation }));
      }
      return li;
    }));
  }

  function field(dl, label, valueNodes, className) {
    if (valueNodes === null || valueNodes === undefined || valueNodes === '') return;
    dl.appendChild(el('div', { className: 'field' + (className ? ' ' + className : '') }, [
      el('dt', { text: label }),
      el('dd', null, valueNodes)
    ]));
  }

  function renderDetail(key, rec) {
    clear(detailBody);
    detailBody.removeAttribute('aria-busy');
    var eventSlug = rec.event && typeof rec.event === 'object' ? rec.event.slug : rec.event;
    var eventTitle = rec.event && typeof rec.event === 'object' ? rec.event.title : null;
    if (eventSlug && eventTitle) eventTitles[eventSlug] = String(eventTitle);

    var header = el('header', { className: 'detail__header' });
    if (eventTitle || eventSlug) header.appendChild(el('p', { className: 'detail__event', text: eventTitle || eventSlug }));
    var h = el('h2', { id: 'detail-title', className: 'detail__title', tabindex: '-1', text: rec.title == null ? key : rec.title });
    header.appendChild(h);
    detailBody.appendChild(header);

    var dl = el('dl', { className: 'detail__fields' });
    if (rec.day || rec.start) {
      var when = el('time', { datetime: rec.start || rec.day });
      var dayText = formatDay(rec.day || String(rec.start).slice(0, 10), true);
      var timeText = formatTime(rec.start);
      when.textContent = timeText ? dayText + ', ' + timeText : dayText;
      field(dl, t('date'), when, 'field--date');
    }
    field(dl, t('duration'), formatDuration(rec.duration_minutes) || null, 'field--duration');
    field(dl, t('type'), rec.type ? String(rec.type) : null, 'field--type');
    field(dl, t('session'), rec.session ? String(rec.session) : null, 'field--session');
    if (rec.theme) {
      var themeNodes = [el('span', { className: 'detail__theme', text: rec.theme })];
      if (rec.theme_description) themeNodes.push(el('span', { className: 'detail__theme-description', text: rec.theme_description }));
      field(dl, t('theme'), themeNodes, 'field--theme');
    }
    field(dl, t('language'), rec.language ? languageName(rec.language) : null, 'field--language');
    if (Array.isArray(rec.labs) && rec.labs.length) {
      field(dl, t('labs'), el('ul', { className: 'tags' }, rec.labs.map(function (lab) {
        return el('li', { className: 'tag', text: lab });
      })), 'field--labs');
    }
    if (Array.isArray(rec.keywords) && rec.keywords.length) {
      field(dl, t('keywords'), el('ul', { className: 'tags tags--keywords' }, rec.keywords.map(function (k) {
        return el('li', { className: 'tag', text: k });
      })), 'field--keywords');
    }
    detailBody.appendChild(dl);

    var abstractSection = el('section', { className: 'detail__section detail__abstract', 'aria-labelledby': 'detail-abstract-h' }, [
      el('h3', { id: 'detail-abstract-h', text: t('abstract') })
    ]);
    var abstractText = rec.abstract == null ? '' : String(rec.abstract).trim();
    if (abstractText) {
      abstractText.split(/\n\s*\n/).forEach(function (para) {
        abstractSection.appendChild(el('p', { text: para.trim() }));
      });
    } else {
      abstractSection.appendChild(el('p', { className: 'muted', text: t('noAbstract') }));
    }
    detailBody.appendChild(abstractSection);

    var one = function (list) { return Array.isArray(list) && list.length === 1; };
    var groups = [
      ['speakers', one(rec.speakers) ? t('speaker') : t('speakers'), rec.speakers],
      ['authors', one(rec.authors) ? t('author') : t('authors'), rec.authors],
      ['coauthors', one(rec.coauthors) ? t('coauthor') : t('coauthors'), rec.coauthors]
    ];
    var peopleWrap = el('div', { className: 'detail__people' });
    groups.forEach(function (g) {
      if (!Array.isArray(g[2]) || !g[2].length) return;
      peopleWrap.appendChild(el('section', { className: 'detail__section detail__' + g[0], 'aria-labelledby': 'detail-' + g[0] + '-h' }, [
        el('h3', { id: 'detail-' + g[0] + '-h', text: g[1] }),
        personList(g[2], 'people--' + g[0])
      ]));
    });
    if (peopleWrap.firstChild) detailBody.appendChild(peopleWrap);

    var foot = el('footer', { className: 'detail__footer' });
    if (rec.source && rec.source.file) {
      foot.appendChild(el('p', { className: 'detail__source' }, [
        el('span', { className: 'label', text: t('source') + colon() }),
        el('code', { text: rec.source.file + (rec.source.line ? ':' + rec.source.line : '') })
      ]));
    }
    foot.appendChild(el('p', null, el('a', { className: 'detail__json', href: apiRecordUrl(key), type: 'application/json', text: t('viewJson') })));
    detailBody.appendChild(foot);

    h.focus();
  }

  // ---------------------------------------------------------------- events

  function onInput() {
    if (debounceTimer) clearTimeout(debounceTimer);
    debounceTimer = setTimeout(function () {
      debounceTimer = null;
      var q = input.value.trim();
      if (q === state.q && !state.record) return;
      state.q = q;
      state.page = 1;
      state.record = null;
      commit('typing');
    }, DEBOUNCE_MS);
  }

  function onSubmit(event) {
    event.preventDefault();
    if (debounceTimer) { clearTimeout(debounceTimer); debounceTimer = null; }
    var q = input.value.trim();
    var changed = q !== state.q || !!state.record;
    state.q = q;
    state.record = null;
    if (changed) state.page = 1;
    if (!changed && lastSearchKey === searchParams(state, true).toString()) {
      // Same search again: keep the entry, just make sure the URL is canonical.
      typingEntry = false;
      window.history.replaceState({ abstractSearch: true }, '', pageUrl(state));
      return;
    }
    commit('submit');
  }

  function onFacetChange(event) {
    var cb = event.target;
    if (!cb || !cb.classList.contains('facet__checkbox')) return;
    var list = state.filters[cb.name];
    if (!list) return;
    var i = list.indexOf(cb.value);
    if (cb.checked && i < 0) list.push(cb.value);
    if (!cb.checked && i >= 0) list.splice(i, 1);
    state.page = 1;
    state.record = null;
    commit('facet');
  }

  function onFacetClick(event) {
    var btn = event.target.closest && event.target.closest('.facet__more');
    if (!btn) return;
    var param = btn.getAttribute('data-facet');
    expandedFacets[param] = !expandedFacets[param];
    if (lastData) renderFacets(lastData.facets || {});
  }

  function onChipClick(event) {
    var btn = event.target.closest && event.target.closest('.chip');
    if (!btn) return;
    var param = btn.getAttribute('data-facet');
    var value = btn.getAttribute('data-value');
    var list = state.filters[param];
    if (!list) return;
    // Keep keyboard focus in a sensible place: the chip that takes this one's place, else the search box.
    var thisIndex = Array.prototype.indexOf.call(activeEl.children, btn.parentNode);
    var i = list.indexOf(value);
    if (i >= 0) list.splice(i, 1);
    state.page = 1;
    state.record = null;
    commit('facet');
    var chips = activeEl.querySelectorAll('.chip');
    if (chips.length) {
      chips[Math.min(Math.max(thisIndex, 0), chips.length - 1)].focus();
    } else {
      input.focus();
    }
  }

  function onClearFilters() {
    FACETS.forEach(function (f) { state.filters[f.param] = []; });
    state.page = 1;
    state.record = null;
    commit('facet');
    input.focus();
  }

  function onSortChange() {
    var chosen = SORTS.indexOf(sortEl.value) >= 0 ? sortEl.value : '';
    // The default order for this query is kept out of the URL.
    state.sort = chosen === (state.q ? 'relevance' : 'start') ? '' : chosen;
    state.page = 1;
    state.record = null;
    commit('sort');
  }

  function onPagerClick(event) {
    var a = event.target.closest && event.target.closest('a[data-page]');
    if (!a || !isPlainClick(event)) return;
    event.preventDefault();
    var n = posInt(a.getAttribute('data-page'), 1);
    if (n === state.page) return;
    state.page = n;
    state.record = null;
    commit('page');
    resultsHeading.focus({ preventScroll: true });
    var top = $('main').getBoundingClientRect().top + window.pageYOffset - 8;
    if (window.pageYOffset > top) window.scrollTo(0, Math.max(0, top));
  }

  function onResultClick(event) {
    var a = event.target.closest && event.target.closest('a.result__link');
    if (!a || !isPlainClick(event)) return;
    event.preventDefault();
    if (debounceTimer) { clearTimeout(debounceTimer); debounceTimer = null; }
    var key = a.getAttribute('data-record');
    focusKeyOnResults = key;
    openedFromResults = true;
    state.record = key;
    commit('record');
  }

  function onBackClick(event) {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    if (openedFromResults) {
      openedFromResults = false;
      window.history.back();
      return;
    }
    state.record = null;
    commit('back');
    if (!focusKeyOnResults) resultsHeading.focus();
  }

  function onDetailKey(event) {
    if (event.key === 'Escape' && state.record) {
      onBackClick({ button: 0, preventDefault: function () {} });
    }
  }

  function setupFiltersDisclosure() {
    var mq = window.matchMedia ? window.matchMedia('(min-width: 56em)') : null;
    function sync() {
      filtersEl.open = mq ? mq.matches : true;
    }
    sync();
    if (mq) {
      if (mq.addEventListener) mq.addEventListener('change', sync);
      else if (mq.addListener) mq.addListener(sync);
    }
  }

  function translateStatic() {
    document.documentElement.lang = LANG;
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute('data-i18n'));
    nodes = document.querySelectorAll('[data-i18n-placeholder]');
    for (i = 0; i < nodes.length; i++) nodes[i].setAttribute('placeholder', t(nodes[i].getAttribute('data-i18n-placeholder')));
    nodes = document.querySelectorAll('[data-i18n-aria-label]');
    for (i = 0; i < nodes.length; i++) nodes[i].setAttribute('aria-label', t(nodes[i].getAttribute('data-i18n-aria-label')));
    if (uiOverride) {
      var home = $('home-link');
      if (home) home.setAttribute('href', '/?ui=' + uiOverride);
    }
  }

  function init() {
    form = $('search-form');
    input = $('q');
    statusEl = $('status');
    resultsEl = $('results');
    pagerEl = $('pager');
    facetsEl = $('facets');
    filtersEl = $('filters');
    filtersBadge = $('filters-active-count');
    clearBtn = $('clear-filters');
    sortEl = $('sort');
    activeEl = $('active-filters');
    resultsView = $('results-view');
    detailView = $('detail');
    detailBody = $('detail-body');
    detailBack = $('detail-back');
    resultsHeading = $('results-heading');

    translateStatic();
    setupFiltersDisclosure();

    state = readState(window.location.search);
    if (window.location.hash && state.record) {
      // Normalise #/contribution/... into the query-string form.
      window.history.replaceState({ abstractSearch: true }, '', pageUrl(state));
    }
    syncControls();

    form.addEventListener('submit', onSubmit);
    input.addEventListener('input', onInput);
    facetsEl.addEventListener('change', onFacetChange);
    facetsEl.addEventListener('click', onFacetClick);
    activeEl.addEventListener('click', onChipClick);
    clearBtn.addEventListener('click', onClearFilters);
    sortEl.addEventListener('change', onSortChange);
    pagerEl.addEventListener('click', onPagerClick);
    resultsEl.addEventListener('click', onResultClick);
    detailBack.addEventListener('click', onBackClick);
    detailView.addEventListener('keydown', onDetailKey);
    window.addEventListener('popstate', onPopState);
    window.addEventListener('hashchange', function () {
      if (/^#\/contribution\//.test(window.location.hash)) {
        state = readState(window.location.search);
        window.history.replaceState({ abstractSearch: true }, '', pageUrl(state));
        apply();
      }
    });

    document.body.classList.add('js');
    apply();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
