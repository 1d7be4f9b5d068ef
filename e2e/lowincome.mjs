// Browser test of one assistance roll (社会救助名册), as the township clerk keeps it: she opens a
// 青岩村 household, puts it on the 低保 roll from its 社会救助 panel, finds the entry on 救助名册,
// records a 定期核查 that adjusts the amount, and ends it with the confirmation; then the roll pages
// are opened on a phone and must not scroll sideways.
//
//   ZHENXING_BIN=~/.cache/zhenxing-target/release/zhenxing node e2e/lowincome.mjs   (see scripts/e2e.sh)
//
// Optional: CHROMIUM=/path/to/chromium, E2E_KEEP=1 keeps the temp dir (database, server log).
// Screenshots go to e2e/test-results/lowincome-*.png (gitignored); a failing test also leaves
// FAILED-<test>-<n>.png there. The server, browser and page helpers are in lib.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, assertNoHorizontalScroll, columnIndex, createHarness, norm, textOf } from './lib.mjs';

const QINGYAN_CODE = '500110120204';
// An 18-character 居民身份证号码, not part of a longer number.
const ID_NUMBER = /(?<!\d)\d{17}[\dXx](?!\d)/;
const PHONE_SHOT_STYLE = '.tabbar { position: static !important; }';

const { start, stop, serverErrors, shot, withPages, press, login } = createHarness({
  shots: 'test-results',
  tmpPrefix: 'zhenxing-e2e-lowincome-',
  tapOnTouch: true,
  touchShotStyle: PHONE_SHOT_STYLE,
});

// What the tests learn and hand on, in order.
const run = { householdNo: undefined, rollId: undefined };

function requireRun(...keys) {
  for (const k of keys) assert.ok(run[k] !== undefined, `an earlier step did not provide ${k}; see its failure above`);
}

/** Submits a form by its button and waits for the page that answers; fails with the form's errors. */
async function submit(page, button, what) {
  await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), press(page, button)]);
  const errors = page.locator('.error-summary, .field-error');
  if (await errors.count()) {
    assert.fail(`${what} was refused: ${(await errors.allInnerTexts()).map(norm).join(' / ')}`);
  }
}

/** The roll page's flash message. */
async function flash(page) {
  const f = page.getByRole('status');
  assert.ok(await f.count(), 'a message confirms the step');
  return textOf(f);
}

describe('lowincome: one 低保 entry from the household page to its end', { concurrency: false }, () => {
  before(start);
  after(stop);

  test('desktop: the clerk puts a 青岩村 household on the 低保 roll', async () => {
    await withPages('roll-new', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'town');

      // A 青岩村 household without an active 低保 (the demo rolls leave the first page free).
      await page.goto(`/households?village=${QINGYAN_CODE}`);
      await page.getByRole('heading', { name: '农户列表', level: 1 }).waitFor();
      const table = page.locator('table.data');
      const noCol = await columnIndex(table, '户编号');
      const numbers = await table.locator('tbody tr').evaluateAll(
        (trs, col) => trs.map((tr) => [...tr.querySelectorAll('th, td')][col]?.innerText.trim()),
        noCol,
      );
      assert.ok(numbers.length > 0, '青岩村 has households');
      for (const no of numbers) {
        await page.goto(`/households/${no}`);
        const panel = page.locator('#rolls');
        await panel.getByRole('heading', { name: '社会救助', level: 2 }).waitFor();
        const kinds = await panel.locator('tbody tr').evaluateAll((trs) =>
          trs.filter((tr) => tr.innerText.includes('在册')).map((tr) => tr.cells[0].innerText.trim()),
        );
        if (!kinds.includes('低保')) {
          run.householdNo = no;
          break;
        }
      }
      assert.ok(run.householdNo, 'a 青岩村 household without 低保 on the first page');
      await shot(page, 'lowincome-01-household-panel');

      const panel = page.locator('#rolls');
      await submit(page, panel.getByRole('link', { name: '新增救助' }), '新增救助 link');
      await page.getByRole('heading', { name: '新增低保', level: 1 }).waitFor();
      const form = page.locator('#roll-form');
      // Every member is ticked at first; the standard is shown with its limit.
      const boxes = form.locator('input[name=covered]');
      const members = await boxes.count();
      assert.ok(members >= 1, 'the members are offered as checkboxes');
      for (let i = 0; i < members; i += 1) assert.ok(await boxes.nth(i).isChecked(), 'members are ticked');
      assert.match(await textOf(page.locator('#standards')), /低保标准 600\.00 元\/人·月/);
      assert.doesNotMatch(await page.content(), ID_NUMBER, 'no full ID number on the form');
      await form.getByLabel('月救助金（元）').fill('300');
      await form.getByLabel('认定理由').fill('家庭人均收入低于低保标准，经民主评议、镇审核、县民政局审批');
      await shot(page, 'lowincome-02-new-dibao');
      await submit(page, form.getByRole('button', { name: '保存' }), '保存');

      const m = new URL(page.url()).pathname.match(/^\/lowincome\/rolls\/(\d+)$/);
      assert.ok(m, `after saving the entry's page is shown (${page.url()})`);
      run.rollId = m[1];
      assert.match(await flash(page), /已录入低保/);
      await page.getByRole('heading', { level: 1, name: /低保/ }).waitFor();
      assert.equal(await textOf(page.locator('[data-value=amount]')), '300.00 元/月');
      assert.match(await textOf(page.locator('h1 .badge').first()), /在册/);
      await shot(page, 'lowincome-03-roll');
    });
  });

  test('desktop: the entry is on 救助名册, found by its 户编号', async () => {
    requireRun('rollId');
    await withPages('roll-list', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'town');
      await page.goto('/lowincome/rolls');
      await page.getByRole('heading', { name: '救助名册', level: 1 }).waitFor();
      await page.getByLabel('户主姓名或户编号').fill(run.householdNo);
      await page.getByLabel('救助类型').selectOption('dibao');
      await submit(page, page.getByRole('button', { name: '查询' }), '查询');
      const row = page.locator(`#roll-${run.rollId}`);
      await row.waitFor();
      assert.match(await textOf(row), /低保/);
      assert.match(await textOf(row), /300\.00 元\/月/);
      assert.match(await textOf(row), /在册/);
      assert.match(await textOf(page.locator('.summary-line')), /共 1 条/);
      const exportLink = page.getByRole('link', { name: '导出 Excel', exact: true });
      assert.match(await exportLink.getAttribute('href'), /export\.xlsx\?kind=dibao&q=/);
      await shot(page, 'lowincome-04-list');
    });
  });

  test('desktop: a 定期核查 adjusts the amount, then the entry is ended', async () => {
    requireRun('rollId');
    await withPages('roll-review-end', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'town');
      await page.goto(`/lowincome/rolls/${run.rollId}`);
      const review = page.locator('#review');
      await review.getByRole('heading', { name: '定期核查', level: 2 }).waitFor();
      await review.getByLabel('核查结论').selectOption('adjust');
      await review.getByLabel(/调整后月救助金/).fill('400');
      await review.getByLabel(/核查说明/).fill('家庭成员患病，收入减少');
      await shot(page, 'lowincome-05-review-form');
      await submit(page, review.getByRole('button', { name: '记录核查' }), '记录核查');
      assert.match(await flash(page), /月救助金调整为 400\.00 元/);
      assert.equal(await textOf(page.locator('[data-value=amount]')), '400.00 元/月');
      const history = page.locator('#reviews tbody tr');
      assert.equal(await history.count(), 1, 'one review on record');
      assert.match(await textOf(history.first()), /调整金额.*300\.00 元 → 400\.00 元/);
      await shot(page, 'lowincome-06-reviewed');

      // 终止救助 asks for confirmation and says it cannot be undone.
      const end = page.locator('#end');
      await press(page, end.locator('summary'));
      await end.getByLabel(/终止原因/).fill('家庭成员外出务工，人均收入已高于低保标准');
      let asked;
      page.once('dialog', async (d) => {
        asked = d.message();
        await d.accept();
      });
      await submit(page, end.getByRole('button', { name: '终止救助' }), '终止救助');
      assert.match(asked ?? '', /不能恢复/, 'the end asks for confirmation');
      assert.match(await flash(page), /已终止救助/);
      assert.match(await textOf(page.locator('h1 .badge').first()), /已终止/);
      assert.equal(await page.locator('#review').count(), 0, 'an ended entry has no review form');
      assert.equal(await page.locator('#end').count(), 0, 'nor an end form');
      assert.match(await textOf(page.locator('main')), /家庭成员外出务工，人均收入已高于低保标准/);
      await shot(page, 'lowincome-07-ended');
    });
  });

  test('phone: the roll pages fit the screen', async () => {
    requireRun('rollId', 'householdNo');
    await withPages('roll-phone', async (open) => {
      const page = await open(PHONE);
      await login(page, 'town');
      for (const [path, name, heading] of [
        ['/lowincome/rolls', 'lowincome-08-phone-list', '救助名册'],
        ['/lowincome/reviews', 'lowincome-09-phone-reviews', '定期核查'],
        [`/lowincome/rolls/${run.rollId}`, 'lowincome-10-phone-roll', /低保/],
        [`/lowincome/rolls/new?household=${run.householdNo}&kind=tekun`, 'lowincome-11-phone-new', '新增特困'],
        [`/households/${run.householdNo}`, 'lowincome-12-phone-household', `农户 ${run.householdNo}`],
        ['/policy?group=lowincome', 'lowincome-13-phone-standards', /救助标准/],
      ]) {
        await page.goto(path);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await assertNoHorizontalScroll(page, path);
        await shot(page, name);
      }
      // The due list counts what it lists.
      await page.goto('/lowincome/reviews?state=overdue');
      const overdue = await textOf(page.locator('[data-stat=overdue]'));
      assert.match(await textOf(page.locator('.summary-line')), new RegExp(`共 ${overdue} 条`));
    });
  });

  test('no page answered with a server error or a script error', () => {
    assert.deepEqual(serverErrors, []);
  });
});
