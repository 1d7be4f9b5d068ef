// Browser test of the monitoring chain (防止返贫动态监测), as the people who do it see it:
// one ordinary 青岩村 household goes from a clue to 监测中 through four logins — the village cadre
// on a phone, the township clerk and the county approver on desktops — and is then counted on the
// household page, the overview (stat card, chart, by-village table and the list behind it) and the
// printable notice.
//
//   ZHENXING_BIN=~/.cache/zhenxing-target/release/zhenxing node e2e/monitoring.mjs   (see scripts/e2e.sh)
//
// Optional: CHROMIUM=/path/to/chromium, E2E_KEEP=1 keeps the temp dir (database, server log).
// Screenshots go to e2e/test-results/ (gitignored); a failing test also leaves FAILED-<test>-<n>.png
// there. Exits non-zero when any test fails (node:test sets the exit code). The server, browser and
// page helpers are in lib.mjs.
//
// The steps are backdated relative to the server's today (read from the overview's 截至 date) so
// that the chain is legal in one sitting: clue −12, visit −11, data check −10, review −9,
// notice −9…−3, close −2, town −1, county today.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, QINGYAN, assertNoHorizontalScroll, columnIndex, createHarness, norm, textOf,
} from './lib.mjs';

const QINGYAN_CODE = '500110120204';
// An 18-character 居民身份证号码 (17 digits and a digit or X), not part of a longer number.
const ID_NUMBER = /(?<!\d)\d{17}[\dXx](?!\d)/;

// A full-page capture of a phone would paint the fixed tab bar in the middle of the page, over the
// content; for the picture only, it goes to the end of the page where the user sees it last.
const PHONE_SHOT_STYLE = '.tabbar { position: static !important; }';

// Phones tap (login and press), desktops click.
const { start, stop, serverErrors, watch, shot, withPages, press, login } = createHarness({
  shots: 'test-results',
  tmpPrefix: 'zhenxing-e2e-monitoring-',
  tapOnTouch: true,
  touchShotStyle: PHONE_SHOT_STYLE,
});

// What the tests learn and hand on, in order.
const run = {
  today: undefined, // the server's today, YYYY-MM-DD
  monitoringBefore: undefined, // the overview's 监测中 count before the chain
  qingyanBefore: undefined, // 青岩村's row in the by-village table before the chain
  householdNo: undefined,
  headName: undefined,
  caseId: undefined,
};

// ---------- helpers ----------

const toNumber = (shown) => Number(String(shown).replace(/[,\s]/g, ''));

/** `days` after the YYYY-MM-DD date `ymd` (negative: before), as YYYY-MM-DD. */
function addDays(ymd, days) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
const daysAgo = (n) => addDays(run.today, -n);

/** Asserts that every control a thumb has to hit inside `scope` is at least 40 CSS px tall. */
async function assertTouchTargets(scope, where) {
  const targets = await scope
    .locator('button, select, input:not([type=hidden]):not([type=checkbox]), textarea, label.check, summary, a.button')
    .evaluateAll((els) =>
      els
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => ({ what: (el.innerText || el.name || el.tagName).trim().slice(0, 20), h: el.getBoundingClientRect().height })),
    );
  assert.ok(targets.length >= 10, `${where}: controls measured (${targets.length})`);
  assert.deepEqual(targets.filter((t) => t.h < 40), [], `${where}: touch targets under 40px`);
}

/** Polls `probe` until it returns a truthy value or the time is up; returns the last value. */
async function eventually(probe, timeoutMs = 10_000, stepMs = 200) {
  const end = Date.now() + timeoutMs;
  let value = await probe();
  while (!value && Date.now() < end) {
    await new Promise((r) => setTimeout(r, stepMs));
    value = await probe();
  }
  return value;
}

/**
 * What ECharts drew in the `.chart` of `card`: charts.js asks for the SVG renderer, so the drawing is
 * an <svg> of shapes and texts (a <canvas> is measured by its painted pixels instead, should the
 * renderer ever change).
 */
async function chartDrawing(card) {
  return card.locator('.chart').first().evaluate((chart) => {
    const canvas = chart.querySelector('canvas');
    if (canvas) {
      const { width, height } = canvas.getBoundingClientRect();
      let painted = 0;
      const ctx = canvas.getContext('2d');
      if (ctx && canvas.width && canvas.height) {
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
      }
      return { kind: 'canvas', width, height, painted, texts: [] };
    }
    const svg = chart.querySelector('svg');
    if (!svg) return { kind: 'none', width: 0, height: 0, painted: 0, texts: [] };
    const { width, height } = svg.getBoundingClientRect();
    // Filled shapes that take room: bars, slices, not the axis lines.
    const painted = [...svg.querySelectorAll('path, rect')].filter((el) => {
      const fill = el.getAttribute('fill');
      const box = el.getBoundingClientRect();
      return fill && fill !== 'none' && fill !== 'transparent' && box.width > 2 && box.height > 2;
    }).length;
    const texts = [...svg.querySelectorAll('text')].map((t) => t.textContent.trim()).filter(Boolean);
    return { kind: 'svg', width, height, painted, texts };
  });
}

/** Asserts that ECharts drew the chart of `card`: a sized drawing with shapes (and `label`, if given). */
async function assertChartDrawn(card, where, label) {
  await card.locator('.chart').first().waitFor({ state: 'visible' });
  const drawing = await eventually(async () => {
    const d = await chartDrawing(card);
    const enough = d.kind === 'canvas' ? d.painted > 2000 : d.painted > 0;
    return d.width > 100 && d.height > 100 && enough && (!label || d.kind === 'canvas' || d.texts.includes(label))
      ? d
      : undefined;
  });
  const last = drawing ?? (await chartDrawing(card));
  assert.ok(drawing, `${where}: ECharts drew the chart (${JSON.stringify(last).slice(0, 400)})`);
  return drawing;
}

/** The overview's 监测中 stat card value, as a number. */
async function monitoringCount(page) {
  const shown = await textOf(page.locator('[data-stat="monitoring"]'));
  assert.match(shown, /^[\d,]+$/, `监测中 card shows a count: "${shown}"`);
  return toNumber(shown);
}

/** The by-village data table of the overview, opened through 查看数据; the 青岩村 cell and its link. */
async function qingyanVillageCell(page) {
  const card = page.locator('#by-village');
  await card.getByRole('heading', { name: /各村监测户/ }).waitFor();
  const details = card.locator('details');
  if (!(await details.evaluate((d) => d.open))) await press(page, details.locator('summary', { hasText: '查看数据' }));
  const table = card.locator('table.data');
  await table.waitFor({ state: 'visible' });
  const row = table.locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: QINGYAN }) });
  assert.equal(await row.count(), 1, '青岩村 has one row in the by-village table');
  const cell = row.locator('td.num');
  return { card, table, cell, shown: await textOf(cell), link: cell.getByRole('link') };
}

/** Opens the household page and returns the 监测帮扶 status badge. */
async function monitoringStatus(page, no) {
  await page.goto(`/households/${no}`);
  await page.getByRole('heading', { name: `农户 ${no}`, level: 1 }).waitFor();
  const section = page.locator('#monitoring');
  await section.getByRole('heading', { name: /监测帮扶/ }).waitFor();
  return { section, status: await textOf(section.locator('h2 .badge')) };
}

/** The case page's step card, after checking it asks for `label`. */
async function stepForm(page, label) {
  const step = page.locator('#step');
  await step.getByRole('heading', { name: `办理：${label}`, level: 2 }).waitFor();
  return step;
}

/**
 * Submits the step form (button 提交「label」) and waits for the page that answers: the case page
 * again with a flash, or the form again with its errors (which fail the test with their text).
 * Returns the state badge's text.
 */
async function submitStep(page, label, { dialog } = {}) {
  const step = page.locator('#step');
  let dialogText;
  const onDialog = async (d) => {
    dialogText = d.message();
    if (dialog === 'accept') await d.accept();
    else await d.dismiss();
  };
  page.on('dialog', onDialog);
  try {
    await Promise.all([
      page.waitForEvent('load', { timeout: 30_000 }),
      press(page, step.getByRole('button', { name: `提交「${label}」` })),
    ]);
  } finally {
    page.off('dialog', onDialog);
  }
  if (dialog) assert.ok(dialogText, `「${label}」 asked for confirmation`);
  const errors = page.locator('.error-summary, .field-error');
  if (await errors.count()) {
    assert.fail(`「${label}」 was refused: ${(await errors.allInnerTexts()).map(norm).join(' / ')}`);
  }
  assert.equal(new URL(page.url()).pathname, `/cases/${run.caseId}`, `after 「${label}」 the case page is shown again`);
  const flash = page.getByRole('status');
  assert.ok(await flash.count(), `after 「${label}」 a message confirms it`);
  return { state: await textOf(page.locator('main section.card').first().locator('.badge').first()), dialogText };
}

/** Opens a page on `device`, logs in as `username` and goes to the case page of the chain. */
async function openCase(open, device, username) {
  const page = await open(device);
  await login(page, username);
  await page.goto(`/cases/${run.caseId}`);
  return page;
}

function requireRun(...keys) {
  for (const k of keys) assert.ok(run[k] !== undefined, `an earlier step did not provide ${k}; see its failure above`);
}

// ---------- tests ----------

describe('monitoring: one household from clue to 监测中', { concurrency: false }, () => {
  before(start);
  after(stop);

  test('viewer: the overview shows how many households are 监测中', async () => {
    await withPages('overview-before', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'viewer');
      await page.goto('/monitoring/overview');
      await page.getByRole('heading', { name: '监测总览', level: 1 }).waitFor();
      const asOf = await textOf(page.locator('.page-head .sub'));
      const m = asOf.match(/^截至 (\d{4}-\d{2}-\d{2})$/);
      assert.ok(m, `the overview says as of when: "${asOf}"`);
      run.today = m[1];
      run.monitoringBefore = await monitoringCount(page);
      const { shown } = await qingyanVillageCell(page);
      run.qingyanBefore = toNumber(shown);
      assert.ok(Number.isInteger(run.qingyanBefore), `青岩村 count "${shown}"`);
      console.log(`# today ${run.today}: 监测中 ${run.monitoringBefore} 户, 青岩村 ${run.qingyanBefore} 户`);
    });
  });

  test('phone: the 青岩村 cadre records a clue on an ordinary household and does the home visit', async () => {
    requireRun('today');
    await withPages('phone-clue-visit', async (open) => {
      const page = await open(PHONE);
      await login(page, 'qingyan');

      // An ordinary household of 青岩村 that is not monitored and has no case running.
      await page.goto(`/households?village=${QINGYAN_CODE}&kind=ordinary`);
      await page.getByRole('heading', { name: '农户列表', level: 1 }).waitFor();
      const table = page.locator('table.data');
      const noCol = await columnIndex(table, '户编号');
      const headCol = await columnIndex(table, '户主');
      const kindCol = await columnIndex(table, '户类型');
      const rows = (await table.locator('tbody tr').evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.innerText.trim())),
      ));
      assert.ok(rows.length > 0, 'the list of ordinary 青岩村 households has rows');
      for (const cells of rows) {
        assert.equal(cells[kindCol], '一般农户', `only ordinary households are listed: ${cells}`);
        const { section, status } = await monitoringStatus(page, cells[noCol]);
        if (status === '未纳入监测' && (await section.getByRole('link', { name: '登记线索', exact: true }).count())) {
          run.householdNo = cells[noCol];
          run.headName = cells[headCol];
          break;
        }
      }
      assert.ok(run.householdNo, 'an ordinary 青岩村 household without monitoring was found on the first page');
      assert.match(run.householdNo, new RegExp(`^${QINGYAN_CODE}\\d{4}$`));
      assert.ok(run.headName, 'the household has a head');
      console.log(`# household ${run.householdNo} (户主 ${run.headName})`);
      await assertNoHorizontalScroll(page, 'phone household page');

      // 登记线索.
      await press(page, page.locator('#monitoring').getByRole('link', { name: '登记线索', exact: true }));
      await page.waitForURL(`**/households/${run.householdNo}/cases/new`);
      await page.getByRole('heading', { name: /线索/, level: 1 }).waitFor();
      assert.match(await textOf(page.locator('.lead')), new RegExp(`户主 ${run.headName}`));
      await page.getByLabel('线索来源').selectOption({ label: '基层干部排查' });
      await page.getByLabel('线索日期').fill(daysAgo(12));
      await page.getByLabel('报告人').fill('王建华（村干部）');
      await page.getByLabel('情况说明').fill('户主因病住院，自付医疗费用约3万元，家庭收入骤减。');
      await assertNoHorizontalScroll(page, 'phone clue form');
      await shot(page, 'm01-phone-clue-form');
      await Promise.all([
        page.waitForURL(/\/cases\/\d+$/),
        press(page, page.locator('form').getByRole('button', { name: '登记线索', exact: true })),
      ]);
      await page.waitForLoadState('load');
      run.caseId = Number(new URL(page.url()).pathname.split('/').pop());
      assert.ok(await page.getByRole('status').count(), 'a message confirms the clue');
      await page.getByRole('heading', { name: `识别纳入监测 · ${run.headName}户`, level: 1 }).waitFor();

      // 入户核实 on the phone: the form fits the screen.
      const step = await stepForm(page, '入户核实');
      await assertNoHorizontalScroll(page, 'phone case page');
      await step.getByLabel('入户日期').fill(daysAgo(11));
      assert.ok(norm(await step.getByLabel('入户人员').inputValue()), '入户人员 is prefilled with the cadre');
      await step.getByLabel(/农户已签署承诺授权书/).check();
      await step.getByLabel('近12个月工资性收入（元）').fill('9000');
      await step.getByLabel('转移性收入（元）').fill('1800');
      await step.getByLabel('医疗、教育等刚性支出（元）').fill('30000');
      await step.getByLabel('基本医疗有保障').selectOption('是');
      await step.getByLabel('因病', { exact: true }).check();
      await step.getByLabel('核实情况').fill('户主住院治疗，已报销部分费用，家庭暂无稳定收入来源。');
      await assertNoHorizontalScroll(page, 'phone home-visit form, filled in');
      await assertTouchTargets(step, 'phone home-visit form');
      await shot(page, 'm02-phone-home-visit-form');
      const { state } = await submitStep(page, '入户核实');
      assert.equal(state, '待信息比对');
      await assertNoHorizontalScroll(page, 'phone case page after the visit');
    });
  });

  test('desktop: the township clerk checks the data', async () => {
    requireRun('caseId');
    await withPages('desktop-data-check', async (open) => {
      const page = await openCase(open, DESKTOP, 'town');
      const step = await stepForm(page, '信息比对');
      await step.getByLabel('比对日期').fill(daysAgo(10));
      await step.getByLabel('比对结果').selectOption('是');
      await step.getByLabel('说明', { exact: true }).fill('车辆、工商、房产、社保信息比对无异常。');
      const { state } = await submitStep(page, '信息比对');
      assert.equal(state, '待村级评议');
    });
  });

  test('phone: the cadre records the village review, posts the notice and closes it', async () => {
    requireRun('caseId');
    await withPages('phone-review-notice', async (open) => {
      const page = await openCase(open, PHONE, 'qingyan');

      let step = await stepForm(page, '村级民主评议');
      await assertNoHorizontalScroll(page, 'phone village review form');
      await step.getByLabel('评议日期').fill(daysAgo(9));
      await step.getByLabel('参会人数').fill('23');
      await step.getByLabel('评议结果').selectOption('是');
      await step.getByLabel('拟认定监测对象类别').selectOption({ label: '边缘易致贫户' });
      await step.getByLabel('评议意见').fill('经民主评议，同意纳入防止返贫监测。');
      let { state } = await submitStep(page, '村级民主评议');
      assert.equal(state, '待公示');

      step = await stepForm(page, '村内公示');
      await step.getByLabel('公示开始日期').fill(daysAgo(9));
      await step.getByLabel('公示结束日期').fill(daysAgo(3));
      ({ state } = await submitStep(page, '村内公示'));
      assert.equal(state, '公示中');

      step = await stepForm(page, '公示结束');
      await step.getByLabel('公示结束处理日期').fill(daysAgo(2));
      ({ state } = await submitStep(page, '公示结束'));
      assert.equal(state, '待乡镇审核');
      await assertNoHorizontalScroll(page, 'phone case page after the notice');
    });
  });

  test('desktop: the township reviews and the county approves', async () => {
    requireRun('caseId');
    await withPages('desktop-town-county', async (open) => {
      const townPage = await openCase(open, DESKTOP, 'town');
      const townStep = await stepForm(townPage, '乡镇审核');
      await townStep.getByLabel('日期', { exact: true }).fill(daysAgo(1));
      await townStep.getByLabel('审核结果').selectOption('是');
      await townStep.getByLabel('意见', { exact: true }).fill('经审核，同意上报县级审定。');
      const town = await submitStep(townPage, '乡镇审核');
      assert.equal(town.state, '待县级审定');

      const page = await openCase(open, DESKTOP, 'county');
      const step = await stepForm(page, '县级审定');
      await step.getByLabel('日期', { exact: true }).fill(run.today);
      await step.getByLabel('审定结果').selectOption('是');
      await step.getByLabel('意见', { exact: true }).fill('同意纳入防止返贫监测。');
      const county = await submitStep(page, '县级审定', { dialog: 'accept' });
      assert.match(county.dialogText, /纳入监测/, `the confirmation says what happens: ${county.dialogText}`);
      assert.equal(county.state, '已纳入监测');
      assert.equal(await page.locator('#step').count(), 0, 'no step form once approved');

      // The timeline: the clue and the seven steps, each with its date.
      const entries = page.locator('ol.timeline > li');
      const heads = (await entries.locator('.history-head strong').allInnerTexts()).map(norm);
      for (const label of ['登记线索', '入户核实', '信息比对', '村级民主评议', '村内公示', '公示结束', '乡镇审核', '县级审定']) {
        assert.ok(heads.includes(label), `the timeline has 「${label}」: ${JSON.stringify(heads)}`);
      }
      const timelineText = await textOf(page.locator('ol.timeline'));
      for (const d of [daysAgo(12), daysAgo(11), daysAgo(10), daysAgo(9), daysAgo(2), daysAgo(1), run.today]) {
        assert.ok(timelineText.includes(d), `the timeline shows the date ${d}`);
      }
      assert.match(await textOf(page.locator('dl.facts').first()), /监测对象类别 边缘易致贫户/);
      await shot(page, 'm03-desktop-case-approved');
    });
  });

  test('it counts: household page, overview, by-village list and the printable notice', async () => {
    requireRun('caseId', 'householdNo', 'monitoringBefore', 'qingyanBefore');
    await withPages('counted', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'viewer');

      // The household page.
      const { section, status } = await monitoringStatus(page, run.householdNo);
      assert.equal(status, '监测中', 'the household page shows 监测中');
      const [year, month] = run.today.split('-').map(Number);
      assert.match(await textOf(section), new RegExp(`识别监测时间 ${year}年${month}月`));

      // The overview: one more 监测中, and 青岩村's bar and table row too.
      await page.goto('/monitoring/overview');
      await page.getByRole('heading', { name: '监测总览', level: 1 }).waitFor();
      assert.equal(await monitoringCount(page), run.monitoringBefore + 1, '监测中 went up by one');
      await assertChartDrawn(page.locator('#by-village'), 'desktop overview', QINGYAN);
      await shot(page, 'm04-desktop-overview');
      const village = await qingyanVillageCell(page);
      assert.equal(toNumber(village.shown), run.qingyanBefore + 1, '青岩村 went up by one in the by-village table');
      await village.table.scrollIntoViewIfNeeded();
      await shot(page, 'm05-desktop-overview-data', false);

      // The number links to the list it counts.
      await Promise.all([page.waitForURL((u) => u.pathname === '/monitoring/households'), village.link.click()]);
      await page.getByRole('heading', { name: '监测户', level: 1 }).waitFor();
      const listUrl = new URL(page.url());
      assert.equal(listUrl.searchParams.get('village'), QINGYAN_CODE);
      assert.equal(listUrl.searchParams.get('status'), 'monitoring');
      assert.equal(await textOf(page.locator('.summary-line strong')), village.shown, 'the list total equals the table');
      const mine = page.locator('table.data tbody tr').filter({ hasText: run.headName });
      assert.ok(await mine.count(), `${run.headName} is in the list (first page)`);

      // The printable notice, opened from the case page like a user would.
      await page.goto(`/cases/${run.caseId}`);
      const [notice] = await Promise.all([
        page.context().waitForEvent('page'),
        page.getByRole('link', { name: '打印公示', exact: true }).click(),
      ]);
      watch(notice);
      await notice.waitForLoadState('load');
      const noticeUrl = new URL(notice.url());
      assert.equal(noticeUrl.pathname, '/notices/identification');
      assert.equal(noticeUrl.searchParams.get('start'), daysAgo(9));
      await notice.getByRole('heading', { name: new RegExp(`${QINGYAN}防止返贫监测对象识别公示$`), level: 1 }).waitFor();
      const noticeText = await textOf(notice.locator('body'));
      const rowOfHead = notice.locator('table tbody tr').filter({ hasText: run.headName });
      assert.ok(await rowOfHead.count(), `the notice lists ${run.headName}: ${noticeText.slice(0, 400)}`);
      assert.match(await textOf(rowOfHead.first()), /边缘易致贫户/);
      assert.match(await textOf(rowOfHead.first()), /因病/);
      assert.doesNotMatch(noticeText, ID_NUMBER, 'the notice shows no 18-digit ID number');
      assert.doesNotMatch(await notice.content(), ID_NUMBER, 'the notice HTML has no 18-digit ID number');
      await shot(notice, 'm06-notice');
    });
  });

  test('phone: the cadre\'s overview draws its charts and fits the screen', async () => {
    requireRun('householdNo');
    await withPages('phone-overview', async (open) => {
      const page = await open(PHONE);
      await login(page, 'qingyan');
      await page.goto('/monitoring/overview');
      await page.getByRole('heading', { name: '监测总览', level: 1 }).waitFor();
      await assertChartDrawn(page.locator('#by-village'), 'phone overview', QINGYAN);
      await assertNoHorizontalScroll(page, 'phone overview');
      await shot(page, 'm07-phone-overview');
      // The case page, finished, still fits.
      await page.goto(`/cases/${run.caseId}`);
      await page.getByRole('heading', { name: `识别纳入监测 · ${run.headName}户`, level: 1 }).waitFor();
      await assertNoHorizontalScroll(page, 'phone approved case page');
      await shot(page, 'm08-phone-case-approved');
    });
  });

  test('no page answered with a server error or a script error', () => {
    assert.deepEqual(serverErrors, []);
  });
});
