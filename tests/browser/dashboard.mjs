// Drives Debian's Chromium through the dashboard at GET / and the explorer at GET /graphql on
// the seed data. Fails on any console error, page error, failed request or error status, and
// when a figure the page shows differs from what the API answers. Saves screenshots under
// SCREENSHOTS (target/screenshots).
//
//   API_URL=http://127.0.0.1:8080 node tests/browser/dashboard.mjs
//
// With TRUSTED_ONLY=1 it only checks that the dashboard loads cleanly (for a server that runs
// trusted documents only).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const base = process.env.API_URL ?? 'http://127.0.0.1:8080';
const screenshots = process.env.SCREENSHOTS ?? 'target/screenshots';
const trustedOnly = process.env.TRUSTED_ONLY === '1';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Asks the API directly, as the figures' reference. */
async function api(query, variables = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const FUNDER_YEAR = `query($filter: FundingTotalsFilter) {
  fundingTotals(groupBy: [FUNDER, YEAR], yearMode: PRO_RATA, filter: $filter, limit: 500) {
    groups { funder { id } year amount { amount currency } }
  }
}`;

/** The funder-and-year figures as the API gives them, one `funder|year|amount currency` each. */
async function funderYearFromApi(filter = null) {
  const data = await api(FUNDER_YEAR, { filter });
  return data.fundingTotals.groups
    .map((g) => `${g.funder ? g.funder.id : ''}|${g.year ?? ''}|${g.amount.amount} ${g.amount.currency}`)
    .sort();
}

/** The same figures as the page's table shows them. */
async function funderYearOnPage(page) {
  return (await page.$$eval('#funder-year tbody td[data-amount]', (cells) => cells.map((cell) =>
    `${cell.dataset.funder}|${cell.dataset.year}|${cell.dataset.amount} ${cell.dataset.currency}`))).sort();
}

/** The page's total of one year, as `amount currency`. */
async function yearTotalOnPage(page, year) {
  return page.$eval(`#funder-year tbody tr[data-year="${year}"] [data-total]`,
    (cell) => ({ amount: cell.dataset.total, text: cell.textContent }));
}

/** Waits until the page has finished loading the figures for the `after`-th time or later. */
async function loaded(page, after = 0) {
  await page.waitForFunction((n) => Number(document.body.dataset.loaded ?? 0) > n
    && document.body.getAttribute('aria-busy') === 'false', after, { timeout: 30_000 });
  return page.evaluate(() => Number(document.body.dataset.loaded));
}

/** Collects everything that went wrong in a page. */
function watch(page, problems) {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:')) {
      problems.push(`request to another host: ${request.url()}`);
    }
  });
}

async function main() {
  await mkdir(screenshots, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox'],
    // The reader's clock is elsewhere: event times must still be shown in the event's zone.
    env: { ...process.env, TZ: 'America/Los_Angeles' },
  });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-GB' });
    const page = await context.newPage();
    watch(page, problems);

    const response = await page.goto(`${base}/?lang=en`);
    const policy = response.headers()['content-security-policy'] ?? '';
    assert.match(policy, /script-src 'self'/, 'the dashboard has a strict Content-Security-Policy');
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    let generation = await loaded(page);
    assert.equal(await page.textContent('#status.error').catch(() => null), null, 'no error status');

    if (trustedOnly) {
      assert.ok((await funderYearOnPage(page)).length > 0, 'figures shown under trusted documents');
      await page.screenshot({ path: `${screenshots}/dashboard-trusted-documents.png`, fullPage: true });
      assert.deepEqual(problems, []);
      console.log('browser: the dashboard loads under trusted documents with no errors');
      return;
    }

    // Every funder-and-year figure equals the API's, and the Lithuanian project's lines are
    // split pro rata: 33,305.56 EUR in 2015 and 80,050.20 EUR in 2016 (113,355.76 EUR in all).
    const all = await funderYearFromApi();
    assert.deepEqual(await funderYearOnPage(page), all);
    assert.deepEqual(await yearTotalOnPage(page, 2015), { amount: '33305.56', text: '€33,305.56' });
    assert.deepEqual(await yearTotalOnPage(page, 2016), { amount: '80050.20', text: '€80,050.20' });
    const lead = await page.$eval('#lead-country tbody tr[data-country="LT"] td[data-amount]', (td) => td.dataset.amount);
    assert.equal(lead, '113355.76');
    const summary = await api('{ partnershipSummary { projectCount } }');
    assert.equal(await page.textContent('[data-figure="projects"] dd'), String(summary.partnershipSummary.projectCount));

    // Events keep their own time zone: the Riga session at 10:00 Riga time, read in Los Angeles.
    const past = await page.textContent('#past-events');
    assert.match(past, /10:00–16:00 \(Europe\/Riga\)/, past);

    // The tables are reachable from the keyboard: Tab to the first "Table", open it with Enter.
    let focused = '';
    for (let presses = 0; presses < 40 && focused !== 'SUMMARY'; presses += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement.tagName);
    }
    assert.equal(focused, 'SUMMARY', 'a table toggle is reachable with Tab');
    await page.keyboard.press('Enter');
    assert.ok(await page.evaluate(() => document.activeElement.parentElement.open), 'Enter opens the table');

    await page.screenshot({ path: `${screenshots}/dashboard.png`, fullPage: true });

    // A filter changes every figure to the API's answer for it.
    await page.selectOption('#filters select[name="country"]', 'LV');
    generation = await loaded(page, generation);
    const latvian = await funderYearFromApi({ projects: { country: ['LV'] } });
    assert.notDeepEqual(latvian, all, 'the filter selects other figures');
    assert.deepEqual(await funderYearOnPage(page), latvian);
    assert.equal(await page.$('#lead-country tbody tr[data-country="LT"]'), null, 'no Lithuanian lead once filtered to LV');
    const latvianSummary = await api('{ partnershipSummary(filter: { country: ["LV"] }) { projectCount } }');
    assert.equal(await page.textContent('[data-figure="projects"] dd'), String(latvianSummary.partnershipSummary.projectCount));
    assert.notEqual(latvianSummary.partnershipSummary.projectCount, summary.partnershipSummary.projectCount);
    assert.match(page.url(), /country=LV/);
    await page.screenshot({ path: `${screenshots}/dashboard-filtered.png`, fullPage: true });

    // An organisation's partners, chosen from the network's table.
    await page.click('#organisation-network summary');
    await page.click('#organisation-network tbody button');
    await page.waitForSelector('#partners li');

    // The language switch renames the page and keeps the figures.
    await page.click('button[data-lang="lt"]');
    generation = await loaded(page, generation);
    assert.equal(await page.getAttribute('html', 'lang'), 'lt');
    assert.equal(await page.textContent('#filters-title'), 'Filtrai');
    assert.deepEqual(await funderYearOnPage(page), latvian);

    // The search box finds Rēzekne without its diacritics and marks the match.
    await page.fill('#search-query', 'rezekne');
    await page.press('#search-query', 'Enter');
    await page.waitForSelector('#search-results li mark');
    const marked = await page.textContent('#search-results li mark');
    assert.match(marked, /R[eē]zekn/i);
    await page.screenshot({ path: `${screenshots}/dashboard-search.png`, fullPage: true });

    // The explorer loads its own copies of GraphiQL and React, and runs a query.
    const explorer = await context.newPage();
    watch(explorer, problems);
    await explorer.goto(`${base}/graphql`);
    await explorer.waitForSelector('.graphiql-container');
    await explorer.click('.graphiql-execute-button');
    await explorer.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent.includes('totalCount'));
    await explorer.screenshot({ path: `${screenshots}/graphiql.png` });

    assert.deepEqual(problems, []);
    console.log('browser: dashboard figures equal the API\'s, filters, language, search, partners, keyboard and explorer all work, with no errors');
  } finally {
    await browser.close();
    if (problems.length) console.error(problems.join('\n'));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
