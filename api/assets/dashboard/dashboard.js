// The dashboard at GET /: funding, partners, outcomes and events of the projects the filters
// select, read from the public GraphQL API (the operations of dashboard.graphql, sent as one
// document with an operation name) and drawn with ECharts. Every chart has a table of the same
// numbers; money is shown from the API's exact decimal strings, never from float sums.
'use strict';

/** Words of the page in each language the API speaks; `en` fills any gap. */
const TEXTS = {
  en: {
    skip: 'Skip to the figures',
    title: 'Cross-border partnerships',
    subtitle: 'Projects, partners and their funding, from the Partnership Graph API.',
    search: 'Search', find: 'Find', language: 'Language', searchResults: 'Search results',
    filters: 'Filters', funder: 'Funder', programme: 'Programme', country: 'Country',
    from: 'From year', to: 'To year', all: 'All', reset: 'Reset', summary: 'Summary',
    byFunderYear: 'Funding by funder and year',
    proRataNote: "Each funding line is split over its project's years in proportion to the project's days in each year.",
    byLeadCountry: "Funding by lead partner's country",
    byParticipantCountry: "Funding by participants' countries",
    participantNote: 'A project counts for every country it has a partner in.',
    fundingMix: 'Co-financing mix', outcomes: 'Outcomes: planned and achieved',
    countryNetwork: 'Countries working together', organisationNetwork: 'Partner organisations',
    networkNote: 'Choose an organisation, in the graph or in the table, to see its partners.',
    partners: 'Partners', choose: 'No organisation chosen.', upcoming: 'Upcoming events',
    past: 'Past events', table: 'Table', footer: 'Every figure is read from the public GraphQL API at',
    schema: 'its schema, every field described:',
    projects: 'Projects', crossBorder: 'Cross-border projects', countries: 'Countries',
    organisations: 'Organisations', year: 'Year', amount: 'Amount', lines: 'Funding lines', total: 'Total',
    kind: 'Kind', unit: 'Unit', planned: 'Planned', achieved: 'Achieved', outcomeCount: 'Outcomes',
    countryA: 'Country', countryB: 'Partner country', shared: 'Shared projects',
    organisationA: 'Organisation', organisationB: 'Partner', noFunder: 'No funder named',
    noYear: 'No dates', none: 'Nothing to show for these filters.', loading: 'Loading…',
    updated: 'Showing {projects} projects.', failed: 'Could not load the figures: {message}',
    noEvents: 'No events.', online: 'online', partnersOf: 'Partners of {name}',
    noPartners: 'No partners share a project with it.', hits: '{count} found',
    noHits: 'Nothing found.', moreGroups: 'More groups matched than are shown.',
    firstProjects: 'Events of the first {count} of {total} projects.',
    GRANT: 'Grant', OWN_CONTRIBUTION: 'Own contribution', NATIONAL_CO_FINANCING: 'National co-financing',
    Project: 'Project', Organisation: 'Organisation', Funder: 'Funder', Programme: 'Programme',
    Outcome: 'Outcome', Event: 'Event', Place: 'Place',
  },
  lv: {
    skip: 'Pāriet uz rādītājiem',
    title: 'Pārrobežu partnerības',
    subtitle: 'Projekti, partneri un to finansējums no Partnership Graph API.',
    search: 'Meklēt', find: 'Meklēt', language: 'Valoda', searchResults: 'Meklēšanas rezultāti',
    filters: 'Filtri', funder: 'Finansētājs', programme: 'Programma', country: 'Valsts',
    from: 'No gada', to: 'Līdz gadam', all: 'Visi', reset: 'Notīrīt', summary: 'Kopsavilkums',
    byFunderYear: 'Finansējums pa finansētājiem un gadiem',
    proRataNote: 'Katra finansējuma rinda sadalīta pa projekta gadiem proporcionāli projekta dienām katrā gadā.',
    byLeadCountry: 'Finansējums pa vadošā partnera valstīm',
    byParticipantCountry: 'Finansējums pa dalībnieku valstīm',
    participantNote: 'Projekts tiek skaitīts katrai valstij, kurā tam ir partneris.',
    fundingMix: 'Līdzfinansējuma sadalījums', outcomes: 'Rezultāti: plānotie un sasniegtie',
    countryNetwork: 'Valstu sadarbība', organisationNetwork: 'Partnerorganizācijas',
    networkNote: 'Izvēlieties organizāciju grafā vai tabulā, lai redzētu tās partnerus.',
    partners: 'Partneri', choose: 'Organizācija nav izvēlēta.', upcoming: 'Gaidāmie pasākumi',
    past: 'Notikušie pasākumi', table: 'Tabula', footer: 'Visi rādītāji nolasīti no publiskā GraphQL API',
    schema: 'tā shēma ar katra lauka aprakstu:',
    projects: 'Projekti', crossBorder: 'Pārrobežu projekti', countries: 'Valstis',
    organisations: 'Organizācijas', year: 'Gads', amount: 'Summa', lines: 'Finansējuma rindas', total: 'Kopā',
    kind: 'Veids', unit: 'Vienība', planned: 'Plānots', achieved: 'Sasniegts', outcomeCount: 'Rezultāti',
    countryA: 'Valsts', countryB: 'Partnervalsts', shared: 'Kopīgi projekti',
    organisationA: 'Organizācija', organisationB: 'Partneris', noFunder: 'Finansētājs nav norādīts',
    noYear: 'Bez datumiem', none: 'Šiem filtriem nav ko rādīt.', loading: 'Ielādē…',
    updated: 'Rādīti {projects} projekti.', failed: 'Neizdevās ielādēt rādītājus: {message}',
    noEvents: 'Nav pasākumu.', online: 'tiešsaistē', partnersOf: '{name} partneri',
    noPartners: 'Nevienam partnerim nav kopīga projekta ar to.', hits: 'Atrasti: {count}',
    noHits: 'Nekas nav atrasts.', moreGroups: 'Atbilst vairāk grupu, nekā parādīts.',
    firstProjects: 'Pirmo {count} no {total} projektiem pasākumi.',
    GRANT: 'Dotācija', OWN_CONTRIBUTION: 'Pašu ieguldījums', NATIONAL_CO_FINANCING: 'Valsts līdzfinansējums',
    Project: 'Projekts', Organisation: 'Organizācija', Funder: 'Finansētājs', Programme: 'Programma',
    Outcome: 'Rezultāts', Event: 'Pasākums', Place: 'Vieta',
  },
  lt: {
    skip: 'Pereiti prie rodiklių',
    title: 'Tarpvalstybinės partnerystės',
    subtitle: 'Projektai, partneriai ir jų finansavimas iš Partnership Graph API.',
    search: 'Paieška', find: 'Ieškoti', language: 'Kalba', searchResults: 'Paieškos rezultatai',
    filters: 'Filtrai', funder: 'Finansuotojas', programme: 'Programa', country: 'Šalis',
    from: 'Nuo metų', to: 'Iki metų', all: 'Visi', reset: 'Išvalyti', summary: 'Santrauka',
    byFunderYear: 'Finansavimas pagal finansuotojus ir metus',
    proRataNote: 'Kiekviena finansavimo eilutė paskirstyta projekto metams proporcingai projekto dienoms kiekvienais metais.',
    byLeadCountry: 'Finansavimas pagal pagrindinio partnerio šalį',
    byParticipantCountry: 'Finansavimas pagal dalyvių šalis',
    participantNote: 'Projektas skaičiuojamas kiekvienai šaliai, kurioje jis turi partnerį.',
    fundingMix: 'Bendrojo finansavimo struktūra', outcomes: 'Rezultatai: planuoti ir pasiekti',
    countryNetwork: 'Šalių bendradarbiavimas', organisationNetwork: 'Partnerių organizacijos',
    networkNote: 'Pasirinkite organizaciją grafe arba lentelėje, kad pamatytumėte jos partnerius.',
    partners: 'Partneriai', choose: 'Organizacija nepasirinkta.', upcoming: 'Būsimi renginiai',
    past: 'Įvykę renginiai', table: 'Lentelė', footer: 'Visi rodikliai nuskaityti iš viešosios GraphQL API',
    schema: 'jos schema su kiekvieno lauko aprašu:',
    projects: 'Projektai', crossBorder: 'Tarpvalstybiniai projektai', countries: 'Šalys',
    organisations: 'Organizacijos', year: 'Metai', amount: 'Suma', lines: 'Finansavimo eilutės', total: 'Iš viso',
    kind: 'Rūšis', unit: 'Vienetas', planned: 'Planuota', achieved: 'Pasiekta', outcomeCount: 'Rezultatai',
    countryA: 'Šalis', countryB: 'Šalis partnerė', shared: 'Bendri projektai',
    organisationA: 'Organizacija', organisationB: 'Partneris', noFunder: 'Finansuotojas nenurodytas',
    noYear: 'Be datų', none: 'Šiems filtrams nėra ką rodyti.', loading: 'Įkeliama…',
    updated: 'Rodoma projektų: {projects}.', failed: 'Nepavyko įkelti rodiklių: {message}',
    noEvents: 'Renginių nėra.', online: 'internetu', partnersOf: '{name} partneriai',
    noPartners: 'Jokie partneriai neturi su ja bendro projekto.', hits: 'Rasta: {count}',
    noHits: 'Nieko nerasta.', moreGroups: 'Atitinka daugiau grupių, nei parodyta.',
    firstProjects: 'Pirmųjų {count} iš {total} projektų renginiai.',
    GRANT: 'Dotacija', OWN_CONTRIBUTION: 'Nuosavas įnašas', NATIONAL_CO_FINANCING: 'Nacionalinis bendrasis finansavimas',
    Project: 'Projektas', Organisation: 'Organizacija', Funder: 'Finansuotojas', Programme: 'Programa',
    Outcome: 'Rezultatas', Event: 'Renginys', Place: 'Vieta',
  },
};
const LANGUAGES = Object.keys(TEXTS);
/** The locale each language's numbers and dates are written in. */
const LOCALES = { en: 'en-GB', lv: 'lv-LV', lt: 'lt-LT' };
const PALETTE = ['#1f5f99', '#e08a00', '#2a9d8f', '#b5179e', '#6a994e', '#8d5524', '#577590',
  '#d62828', '#3a0ca3', '#7f7f7f'];

const state = {
  lang: 'en',
  /** The text of dashboard.graphql, sent with every request. */
  document: '',
  charts: new Map(),
  /** Funders and programmes of the filter bar, by id. */
  choices: null,
  /** The organisation whose partners are shown. */
  chosenOrganisation: null,
  /** Bumped on every reload, so an answer to an older one is dropped. */
  generation: 0,
};

function t(key, values = {}) {
  const text = TEXTS[state.lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Runs one operation of dashboard.graphql; throws with the API's messages on errors. */
async function ask(operationName, variables) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    },
    body: JSON.stringify({ query: state.document, operationName, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((error) => error.message).join('; '));
  }
  return body.data;
}

// ----- numbers ------------------------------------------------------------------------------

function money(amount, currency) {
  // Intl formats a decimal string exactly, so cents are never rounded through a float.
  return new Intl.NumberFormat(LOCALES[state.lang], { style: 'currency', currency }).format(amount);
}

function count(value) {
  return value === null || value === undefined ? '' : new Intl.NumberFormat(LOCALES[state.lang]).format(value);
}

function moneyCell(amount, keys = {}) {
  return element('td', {
    className: 'number',
    dataset: { ...keys, amount: amount.amount, currency: amount.currency },
  }, money(amount.amount, amount.currency));
}

/** Exact sums of decimal amounts per currency, in integer cents (BigInt), never through floats. */
function totals(amounts) {
  const cents = new Map();
  for (const { amount, currency } of amounts) {
    const [whole, fraction = ''] = amount.replace('-', '').split('.');
    const value = BigInt(whole + fraction.padEnd(2, '0').slice(0, 2)) * (amount.startsWith('-') ? -1n : 1n);
    cents.set(currency, (cents.get(currency) ?? 0n) + value);
  }
  return [...cents].map(([currency, value]) => {
    const sign = value < 0n ? '-' : '';
    const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
    return { amount: `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`, currency };
  });
}

function numberCell(value) {
  return element('td', { className: 'number', dataset: { value: value ?? '' } }, count(value));
}

/** Whether every group is in one currency: then charts add amounts up, else they keep currencies apart. */
function currencies(groups) {
  return [...new Set(groups.map((group) => group.amount.currency))];
}

function table(columns, rows) {
  return element('table', {},
    element('thead', {}, element('tr', {}, columns.map((column) =>
      element('th', { scope: 'col', className: column.number ? 'number' : null }, column.label)))),
    element('tbody', {}, rows));
}

// ----- charts -------------------------------------------------------------------------------

function chartOf(section) {
  const container = section.querySelector('.chart');
  let chart = state.charts.get(section.id);
  if (!chart) {
    chart = echarts.init(container, null, { renderer: 'canvas' });
    state.charts.set(section.id, chart);
  }
  return chart;
}

/** Draws `option` in the section's chart, or says there is nothing to show. */
function draw(section, label, option, empty) {
  const container = section.querySelector('.chart');
  container.setAttribute('aria-label', label);
  const chart = chartOf(section);
  chart.clear();
  if (empty) {
    chart.setOption({ title: { text: t('none'), left: 'center', top: 'middle', textStyle: { fontSize: 14, color: '#5a6b7b' } } });
    return chart;
  }
  chart.setOption({
    color: PALETTE,
    aria: { enabled: true },
    animation: false,
    // Tooltips drawn on the canvas: no HTML with inline styles, which the page's CSP forbids.
    tooltip: { renderMode: 'richText', confine: true },
    ...option,
  });
  return chart;
}

function showTable(section, node) {
  section.querySelector('.table').replaceChildren(node);
}

function drawFunderYear(result) {
  const section = document.getElementById('funder-year');
  const groups = result.groups;
  const units = currencies(groups);
  const years = [...new Set(groups.map((group) => group.year))]
    .sort((a, b) => (a ?? 99999) - (b ?? 99999));
  const yearLabel = (year) => (year === null ? t('noYear') : String(year));
  const seriesName = (group) => {
    const name = group.funder ? group.funder.name : t('noFunder');
    return units.length > 1 ? `${name} (${group.amount.currency})` : name;
  };
  const seriesKey = (group) => `${group.funder ? group.funder.id : ''}|${group.amount.currency}`;
  const series = new Map();
  for (const group of groups) {
    const name = seriesName(group);
    if (!series.has(name)) series.set(name, new Map());
    series.get(name).set(group.year, Number(group.amount.amount));
  }
  draw(section, t('byFunderYear'), {
    legend: { type: 'scroll', top: 0 },
    grid: { left: 90, right: 20, top: 40, bottom: 30 },
    tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
    xAxis: { type: 'category', data: years.map(yearLabel) },
    yAxis: { type: 'value', name: units.length === 1 ? units[0] : '' },
    series: [...series].map(([name, byYear]) => ({
      name,
      type: 'bar',
      stack: 'funding',
      data: years.map((year) => byYear.get(year) ?? 0),
    })),
  }, groups.length === 0);
  // The table: a row per year, a column per funder, and the year's total per currency.
  const columns = [...new Map(groups.map((group) => [seriesKey(group), group])).values()];
  showTable(section, table(
    [{ label: t('year') }, ...columns.map((group) => ({ label: seriesName(group), number: true })),
      { label: t('total'), number: true }],
    years.map((year) => {
      const inYear = groups.filter((group) => group.year === year);
      return element('tr', { dataset: { year: year ?? '' } },
        element('th', { scope: 'row' }, yearLabel(year)),
        columns.map((column) => {
          const group = inYear.find((g) => seriesKey(g) === seriesKey(column));
          return group
            ? moneyCell(group.amount, { funder: group.funder ? group.funder.id : '', year: year ?? '' })
            : element('td', { className: 'number' }, '');
        }),
        element('td', { className: 'number total' }, totals(inYear.map((group) => group.amount)).map((amount) =>
          element('span', { dataset: { total: amount.amount, currency: amount.currency } },
            money(amount.amount, amount.currency)))));
    })));
  if (result.hasMore) section.querySelector('.table').append(element('p', { className: 'note' }, t('moreGroups')));
}

function drawByCountry(sectionId, titleKey, groups) {
  const section = document.getElementById(sectionId);
  const units = currencies(groups);
  const countries = [...new Set(groups.map((group) => group.country ?? '?'))];
  draw(section, t(titleKey), {
    legend: units.length > 1 ? { top: 0 } : undefined,
    grid: { left: 90, right: 20, top: 30, bottom: 30 },
    tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
    xAxis: { type: 'category', data: countries },
    yAxis: { type: 'value', name: units.length === 1 ? units[0] : '' },
    series: units.map((currency) => ({
      name: currency,
      type: 'bar',
      data: countries.map((country) => {
        const group = groups.find((g) => (g.country ?? '?') === country && g.amount.currency === currency);
        return group ? Number(group.amount.amount) : 0;
      }),
    })),
  }, groups.length === 0);
  showTable(section, table(
    [{ label: t('country') }, { label: t('amount'), number: true }, { label: t('projects'), number: true }],
    groups.map((group) => element('tr', { dataset: { country: group.country ?? '' } },
      element('td', {}, group.country ?? '?'), moneyCell(group.amount), numberCell(group.projectCount)))));
}

function drawFundingMix(groups) {
  const section = document.getElementById('funding-mix');
  const units = currencies(groups);
  const label = (group) => (units.length > 1 ? `${t(group.kind)} (${group.amount.currency})` : t(group.kind));
  draw(section, t('fundingMix'), {
    legend: { top: 0 },
    tooltip: { trigger: 'item', renderMode: 'richText', confine: true },
    series: [{
      type: 'pie',
      radius: ['35%', '65%'],
      top: 30,
      label: { formatter: '{b}: {d}%' },
      data: groups.map((group) => ({ name: label(group), value: Number(group.amount.amount) })),
    }],
  }, groups.length === 0);
  showTable(section, table(
    [{ label: t('kind') }, { label: t('amount'), number: true }, { label: t('lines'), number: true }],
    groups.map((group) => element('tr', { dataset: { kind: group.kind } },
      element('td', {}, t(group.kind)), moneyCell(group.amount), numberCell(group.lineCount)))));
}

function drawOutcomes(groups) {
  const section = document.getElementById('outcomes');
  const units = groups.map((group) => group.unit);
  draw(section, t('outcomes'), {
    legend: { top: 0 },
    grid: { left: 140, right: 20, top: 30, bottom: 30 },
    tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
    yAxis: { type: 'category', data: units, inverse: true },
    xAxis: { type: 'value' },
    series: [
      { name: t('planned'), type: 'bar', data: groups.map((group) => group.planned ?? 0) },
      { name: t('achieved'), type: 'bar', data: groups.map((group) => group.achieved ?? 0) },
    ],
  }, groups.length === 0);
  showTable(section, table(
    [{ label: t('unit') }, { label: t('planned'), number: true }, { label: t('achieved'), number: true },
      { label: t('outcomeCount'), number: true }],
    groups.map((group) => element('tr', {},
      element('td', {}, group.unit), numberCell(group.planned), numberCell(group.achieved),
      numberCell(group.outcomeCount)))));
}

function drawCountryNetwork(links) {
  const section = document.getElementById('country-network');
  const degree = new Map();
  for (const link of links) {
    for (const country of [link.countryA, link.countryB]) {
      degree.set(country, (degree.get(country) ?? 0) + link.sharedProjects);
    }
  }
  const most = Math.max(1, ...links.map((link) => link.sharedProjects));
  draw(section, t('countryNetwork'), {
    tooltip: { renderMode: 'richText', confine: true },
    series: [{
      type: 'graph',
      layout: 'circular',
      roam: true,
      label: { show: true, position: 'inside', color: '#fff', fontWeight: 'bold' },
      data: [...degree].map(([country, shared]) => ({
        name: country, value: shared, symbolSize: 28 + 4 * Math.sqrt(shared),
      })),
      links: links.map((link) => ({
        source: link.countryA,
        target: link.countryB,
        value: link.sharedProjects,
        lineStyle: { width: 1 + 6 * (link.sharedProjects / most), opacity: 0.7 },
      })),
    }],
  }, links.length === 0);
  showTable(section, table(
    [{ label: t('countryA') }, { label: t('countryB') }, { label: t('shared'), number: true }],
    links.map((link) => element('tr', {},
      element('td', {}, link.countryA), element('td', {}, link.countryB), numberCell(link.sharedProjects)))));
}

function drawOrganisationNetwork(network) {
  const section = document.getElementById('organisation-network');
  const organisations = new Map();
  for (const link of network.links) {
    for (const organisation of [link.organisationA, link.organisationB]) {
      if (organisation) organisations.set(organisation.id, organisation);
    }
  }
  const countries = [...new Set([...organisations.values()].map((organisation) => organisation.country))].sort();
  const links = network.links.filter((link) => link.organisationA && link.organisationB);
  const chart = draw(section, t('organisationNetwork'), {
    legend: { type: 'scroll', top: 0, data: countries },
    tooltip: { renderMode: 'richText', confine: true },
    series: [{
      type: 'graph',
      layout: 'force',
      force: { repulsion: 120, edgeLength: [40, 120] },
      roam: true,
      draggable: true,
      categories: countries.map((country) => ({ name: country })),
      emphasis: { focus: 'adjacency' },
      data: [...organisations.values()].map((organisation) => ({
        id: organisation.id,
        name: organisation.name,
        category: countries.indexOf(organisation.country),
        symbolSize: 14,
      })),
      links: links.map((link) => ({
        source: link.organisationA.id,
        target: link.organisationB.id,
        value: link.sharedProjects,
      })),
    }],
  }, links.length === 0);
  chart.off('click');
  chart.on('click', (event) => {
    if (event.dataType === 'node') choosePartnersOf(event.data.id, event.data.name);
  });
  const chooser = (organisation) => element('td', {}, element('button', {
    type: 'button', onclick: () => choosePartnersOf(organisation.id, organisation.name),
  }, organisation.name), ` (${organisation.country})`);
  showTable(section, table(
    [{ label: t('organisationA') }, { label: t('organisationB') }, { label: t('shared'), number: true }],
    links.map((link) => element('tr', {},
      chooser(link.organisationA), chooser(link.organisationB), numberCell(link.sharedProjects)))));
  if (network.hasMore) section.querySelector('.table').append(element('p', { className: 'note' }, t('moreGroups')));
}

async function choosePartnersOf(id, name) {
  state.chosenOrganisation = { id, name };
  const aside = document.getElementById('partners');
  const status = aside.querySelector('.status');
  const list = aside.querySelector('ul');
  status.textContent = t('loading');
  list.replaceChildren();
  try {
    const data = await ask('DashboardPartners', {
      lang: state.lang, organisation: id, projects: projectFilter(),
    });
    const partners = data.organisationNetwork.links.map((link) => ({
      organisation: link.organisationA && link.organisationA.id === id ? link.organisationB : link.organisationA,
      shared: link.sharedProjects,
    })).filter((partner) => partner.organisation);
    status.textContent = partners.length ? t('partnersOf', { name }) : t('noPartners');
    list.replaceChildren(...partners.map((partner) => element('li', { dataset: { organisation: partner.organisation.id } },
      `${partner.organisation.name} (${partner.organisation.country}): ${count(partner.shared)}`)));
  } catch (error) {
    status.textContent = t('failed', { message: error.message });
    status.classList.add('error');
  }
}

// ----- events -------------------------------------------------------------------------------

function eventTime(event) {
  const locale = LOCALES[state.lang];
  if (event.startsAt) {
    // Shown in the event's own time zone, wherever the reader is.
    const zone = event.timeZone || 'UTC';
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone });
    const clock = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: zone });
    const starts = new Date(event.startsAt);
    let text = `${day.format(starts)} ${clock.format(starts)}`;
    if (event.endsAt) text += `–${clock.format(new Date(event.endsAt))}`;
    return element('time', { datetime: event.startsAt, dataset: { timeZone: zone } }, `${text} (${zone})`);
  }
  if (event.date) {
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    return element('time', { datetime: event.date }, day.format(new Date(`${event.date}T00:00:00Z`)));
  }
  return element('time', {}, '');
}

function drawEvents(sectionId, events, note) {
  const list = document.querySelector(`#${sectionId} .events`);
  if (!events.length) {
    list.replaceChildren(element('li', { className: 'note' }, t('noEvents')));
    return;
  }
  list.replaceChildren(...events.map((event) => {
    const where = event.place ? event.place.name : event.onlinePlatform
      ? `${event.onlinePlatform} (${t('online')})` : event.isOnline ? t('online') : null;
    const project = event.project.acronym || event.project.title;
    return element('li', { dataset: { event: event.id } },
      eventTime(event), ' ', event.title,
      element('span', { className: 'where' }, [project, where].filter(Boolean).join(' · ')));
  }));
  if (note) list.append(element('li', { className: 'note' }, note));
}

// ----- filters ------------------------------------------------------------------------------

function filterValues() {
  const form = document.getElementById('filters');
  const year = (name) => {
    const value = Number.parseInt(form.elements[name].value, 10);
    return Number.isInteger(value) && value >= 1990 && value <= 2100 ? value : null;
  };
  return {
    funder: form.elements.funder.value || null,
    programme: form.elements.programme.value || null,
    country: form.elements.country.value || null,
    from: year('from'),
    to: year('to'),
  };
}

/** The `ProjectFilter` of the chosen filters, or null for all projects. */
function projectFilter() {
  const chosen = filterValues();
  const filter = {};
  if (chosen.funder) filter.funder = [chosen.funder];
  if (chosen.programme) filter.programme = [chosen.programme];
  if (chosen.country) filter.country = [chosen.country];
  if (chosen.from || chosen.to) {
    filter.activeDuring = {
      from: chosen.from ? `${chosen.from}-01-01` : null,
      to: chosen.to ? `${chosen.to}-12-31` : null,
    };
  }
  return Object.keys(filter).length ? filter : null;
}

function fundingFilter() {
  const chosen = filterValues();
  const projects = projectFilter();
  const filter = {};
  if (projects) filter.projects = projects;
  if (chosen.from || chosen.to) filter.years = { from: chosen.from, to: chosen.to };
  return Object.keys(filter).length ? filter : null;
}

function fillChoices() {
  const form = document.getElementById('filters');
  const { funders, programmes, countries } = state.choices;
  const keep = filterValues();
  const options = (select, items, chosen) => {
    select.replaceChildren(element('option', { value: '' }, t('all')),
      ...items.map((item) => element('option', { value: item.value, selected: item.value === chosen }, item.label)));
  };
  options(form.elements.funder, funders.map((funder) => ({ value: funder.id, label: funder.name })), keep.funder);
  const shown = programmes.filter((programme) => !keep.funder || programme.funder.id === keep.funder);
  options(form.elements.programme, shown.map((programme) => ({
    value: programme.id,
    label: programme.code ? `${programme.code}: ${programme.name}` : programme.name,
  })), keep.programme);
  options(form.elements.country, countries.map((country) => ({
    value: country.country, label: `${country.country} (${count(country.projectCount)})`,
  })), keep.country);
}

async function loadChoices() {
  const data = await ask('DashboardChoices', { lang: state.lang });
  state.choices = {
    funders: data.funders.nodes,
    programmes: data.programmes.nodes,
    countries: data.countryFigures,
  };
  fillChoices();
}

// ----- loading ------------------------------------------------------------------------------

async function loadEvents(generation) {
  const projects = projectFilter();
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  let narrow = {};
  let note = null;
  if (projects) {
    const data = await ask('DashboardProjectIds', { projects });
    const ids = data.projects.nodes.map((project) => project.id);
    if (data.projects.totalCount > ids.length) {
      note = t('firstProjects', { count: count(ids.length), total: count(data.projects.totalCount) });
    }
    if (!ids.length) {
      drawEvents('upcoming-events', []);
      drawEvents('past-events', []);
      return;
    }
    narrow = { project: ids };
  }
  const data = await ask('DashboardEvents', {
    lang: state.lang,
    upcoming: { ...narrow, date: { from: today } },
    past: { ...narrow, date: { to: yesterday } },
  });
  if (generation !== state.generation) return;
  drawEvents('upcoming-events', data.upcoming.nodes, note);
  drawEvents('past-events', data.past.nodes, note);
}

async function loadFigures() {
  const generation = ++state.generation;
  const status = document.getElementById('status');
  status.classList.remove('error');
  status.textContent = t('loading');
  document.body.setAttribute('aria-busy', 'true');
  try {
    const [data] = await Promise.all([
      ask('DashboardFigures', { lang: state.lang, projects: projectFilter(), funding: fundingFilter() }),
      loadEvents(generation),
    ]);
    if (generation !== state.generation) return;
    drawSummary(data.summary);
    drawFunderYear(data.byFunderAndYear);
    drawByCountry('lead-country', 'byLeadCountry', data.byLeadCountry.groups);
    drawByCountry('participant-country', 'byParticipantCountry', data.byParticipantCountry.groups);
    drawFundingMix(data.byKind.groups);
    drawOutcomes(data.outcomeTotals.groups);
    drawCountryNetwork(data.countryNetwork.links);
    drawOrganisationNetwork(data.organisationNetwork);
    status.textContent = t('updated', { projects: count(data.summary.projectCount) });
    if (state.chosenOrganisation) choosePartnersOf(state.chosenOrganisation.id, state.chosenOrganisation.name);
  } catch (error) {
    if (generation !== state.generation) return;
    status.textContent = t('failed', { message: error.message });
    status.classList.add('error');
  } finally {
    if (generation === state.generation) {
      document.body.setAttribute('aria-busy', 'false');
      document.body.dataset.loaded = String(generation);
    }
  }
}

function drawSummary(summary) {
  const item = (key, value) => element('div', { dataset: { figure: key } },
    element('dt', {}, t(key)), element('dd', {}, count(value)));
  document.getElementById('summary').replaceChildren(
    item('projects', summary.projectCount),
    item('crossBorder', summary.crossBorderProjectCount),
    item('countries', summary.countryCount),
    item('organisations', summary.organisationCount));
}

// ----- search -------------------------------------------------------------------------------

/** A highlight fragment as nodes: the API escapes everything but its `<mark>` tags. */
function fragmentNodes(fragment) {
  const parsed = new DOMParser().parseFromString(`<p>${fragment}</p>`, 'text/html');
  return [...parsed.body.firstChild.childNodes].map((node) => (node.nodeName === 'MARK'
    ? element('mark', {}, node.textContent)
    : document.createTextNode(node.textContent)));
}

async function search(query) {
  const panel = document.getElementById('search-results');
  const status = panel.querySelector('.status');
  const list = panel.querySelector('ol');
  panel.hidden = false;
  status.classList.remove('error');
  status.textContent = t('loading');
  list.replaceChildren();
  try {
    const data = await ask('DashboardSearch', { query, lang: state.lang });
    const hits = data.search.nodes;
    status.textContent = hits.length ? t('hits', { count: count(data.search.totalCount) }) : t('noHits');
    list.replaceChildren(...hits.map((hit) => {
      const node = hit.node;
      const name = node.__typename === 'Project'
        ? [node.acronym, node.title].filter(Boolean).join(': ')
        : node.code ? `${node.code}: ${node.name}` : (node.name ?? node.title);
      const action = node.__typename === 'Organisation'
        ? element('button', { type: 'button', onclick: () => choosePartnersOf(node.id, node.name) }, t('partners'))
        : null;
      return element('li', { dataset: { type: node.__typename } },
        element('span', { className: 'kind' }, `${t(node.__typename)} · `), name, ' ', action,
        hit.highlights.slice(0, 2).map((highlight) => element('span', { className: 'fragment' },
          fragmentNodes(highlight.fragment))));
    }));
  } catch (error) {
    status.textContent = error.message;
    status.classList.add('error');
  }
}

// ----- language -----------------------------------------------------------------------------

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-text]')) {
    node.textContent = t(node.dataset.text);
  }
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
  }
}

function remember() {
  const url = new URL(window.location.href);
  const chosen = filterValues();
  url.search = '';
  url.searchParams.set('lang', state.lang);
  for (const [name, value] of Object.entries(chosen)) {
    if (value !== null) url.searchParams.set(name, value);
  }
  window.history.replaceState(null, '', url);
}

async function setLanguage(lang) {
  state.lang = lang;
  applyTexts();
  remember();
  await loadChoices();
  await loadFigures();
}

function initialLanguage(params) {
  const asked = params.get('lang');
  if (LANGUAGES.includes(asked)) return asked;
  for (const preferred of navigator.languages || []) {
    const language = preferred.slice(0, 2).toLowerCase();
    if (LANGUAGES.includes(language)) return language;
  }
  return 'en';
}

async function start() {
  const params = new URLSearchParams(window.location.search);
  state.lang = initialLanguage(params);
  applyTexts();
  const [text, about] = await Promise.all([
    fetch('/assets/dashboard/dashboard.graphql').then((response) => response.text()),
    fetch('/', { headers: { accept: 'application/json' } }).then((response) => response.json()),
  ]);
  state.document = text;
  // In production mode the schema is not published.
  if (!about.introspection) document.getElementById('schema-link').remove();
  await loadChoices();
  const form = document.getElementById('filters');
  for (const name of ['funder', 'programme', 'country', 'from', 'to']) {
    if (params.has(name)) form.elements[name].value = params.get(name);
  }
  form.addEventListener('change', (event) => {
    if (event.target.name === 'funder') {
      form.elements.programme.value = '';
      fillChoices();
    }
    remember();
    loadFigures();
  });
  form.addEventListener('reset', () => {
    // After the form has put its fields back.
    setTimeout(() => { fillChoices(); remember(); loadFigures(); });
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  document.getElementById('search').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = event.target.elements.query.value.trim();
    if (query) search(query);
  });
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang));
  }
  window.addEventListener('resize', () => { for (const chart of state.charts.values()) chart.resize(); });
  await loadFigures();
}

start().catch((error) => {
  const status = document.getElementById('status');
  status.textContent = t('failed', { message: error.message });
  status.classList.add('error');
});
