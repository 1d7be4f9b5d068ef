// Browser tests of zhenxing, as a user sees it: playwright-core driving Debian's chromium against
// the real binary serving a fresh demo database (synthetic 扶欢镇, demo logins, password
// zhenxing-demo).
//
//   ZHENXING_BIN=~/.cache/zhenxing-target/release/zhenxing node e2e/run.mjs   (see scripts/e2e.sh)
//
// Optional: CHROMIUM=/path/to/chromium, E2E_KEEP=1 keeps the temp dir (database, server log).
// Screenshots of every main step go to e2e/screenshots/ (gitignored); a failing test also leaves
// FAILED-<test>-<n>.png there. Exits non-zero when any test fails (node:test sets the exit code).
// The server, browser and page helpers are in lib.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DESKTOP, PHONE, QINGYAN, assertNoHorizontalScroll, columnIndex, createHarness, norm, textOf,
} from './lib.mjs';

const OTHER_VILLAGE = '崇恩村';

const { start, stop, serverErrors, shot, withPages, login } = createHarness({
  shots: 'screenshots',
  tmpPrefix: 'zhenxing-e2e-',
  contextOptions: { acceptDownloads: true },
});

// ---------- helpers ----------

/** The village cells of the household list's current page. */
async function listVillages(page) {
  const table = page.locator('table.data');
  const col = await columnIndex(table, '行政村');
  return (await table.locator(`tbody tr td:nth-child(${col + 1})`).allInnerTexts()).map(norm);
}

/** Picks a village in the list filter and submits it, as a user would. */
async function filterByVillage(page, village) {
  await page.getByLabel('行政村').selectOption({ label: village });
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/households' && u.searchParams.has('village')),
    page.getByRole('button', { name: '查询' }).click(),
  ]);
  await page.waitForLoadState('load');
}

// ---------- tests ----------

describe('zhenxing in the browser', { concurrency: false }, () => {
  before(start);
  after(stop);

  test('desktop: town logs in, sees the villages, edits a member, and the history shows the change', async () => {
    await withPages('desktop-edit', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'town', { shotName: '01-desktop-login' });

      // Home: households and people by village.
      await page.getByRole('heading', { name: '首页', level: 1 }).waitFor();
      const header = await textOf(page.locator('header.topbar'));
      assert.match(header, /扶欢镇乡村振兴衔接工作平台/);
      assert.match(header, /扶欢镇 · 镇乡村振兴办/, `scope and role in the top bar: ${header}`);
      assert.ok(await page.getByRole('button', { name: '退出' }).isVisible(), '退出 in the top bar');
      assert.ok(await page.getByRole('navigation', { name: '主菜单' }).isVisible(), 'left menu on a desktop');
      assert.ok(!(await page.getByRole('navigation', { name: '底部导航' }).isVisible()), 'no tab bar on a desktop');
      const byVillage = page.locator('table.data');
      const qingyanRow = byVillage.locator('tbody tr').filter({
        has: page.getByRole('rowheader', { name: QINGYAN, exact: true }),
      });
      assert.equal(await qingyanRow.count(), 1, '青岩村 has one row on the home page');
      const totalCol = await columnIndex(byVillage, '合计户数');
      const qingyanHouseholds = await textOf(qingyanRow.locator('th, td').nth(totalCol));
      assert.match(qingyanHouseholds, /^[1-9][\d,]*$/, `青岩村 合计户数 is a positive count, got "${qingyanHouseholds}"`);
      const peopleCol = await columnIndex(byVillage, '人口');
      assert.match(await textOf(qingyanRow.locator('th, td').nth(peopleCol)), /^[1-9][\d,]*$/);
      const villageRows = await byVillage.locator('tbody tr').count();
      assert.ok(villageRows >= 10, `the township's villages are listed (${villageRows} rows)`);
      const summary = await textOf(page.locator('.summary-line').first());
      assert.match(summary, /共 [\d,]+ 户，[\d,]+ 人/);
      await shot(page, '02-desktop-home');

      // Household list through the left menu, narrowed to 青岩村.
      await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '农户列表' }).click();
      await page.waitForURL('**/households');
      await page.getByRole('heading', { name: '农户列表', level: 1 }).waitFor();
      assert.match(await textOf(page.locator('.summary-line')), /^共 [\d,]+ 户，第 1 \/ [\d,]+ 页$/);
      await filterByVillage(page, QINGYAN);
      const listTotal = (await textOf(page.locator('.summary-line strong'))).trim();
      assert.equal(listTotal, qingyanHouseholds, 'the list count of 青岩村 matches the home page');
      const villages = await listVillages(page);
      assert.ok(villages.length > 0 && villages.every((v) => v === QINGYAN), `only 青岩村 rows: ${villages}`);
      await shot(page, '03-desktop-list');

      // Open the first household.
      const firstLink = page.locator('table.data tbody tr').first().getByRole('link');
      const householdNo = norm(await firstLink.innerText());
      assert.match(householdNo, /^500110120204\d{4}$/);
      await firstLink.click();
      await page.waitForURL(`**/households/${householdNo}`);
      await page.getByRole('heading', { name: `农户 ${householdNo}`, level: 1 }).waitFor();

      // Edit the first member's 务工时间（月）.
      const membersCard = page.locator('section.card').filter({ has: page.getByRole('heading', { name: /^家庭成员/ }) });
      const membersTable = membersCard.locator('table.data');
      const nameCol = await columnIndex(membersTable, '姓名');
      const monthsCol = await columnIndex(membersTable, '务工时间（月）');
      const firstMember = membersTable.locator('tbody tr').first();
      const memberName = await textOf(firstMember.locator('td').nth(nameCol));
      assert.ok(memberName.length > 0, 'the member has a name');
      await shot(page, '04-desktop-household-before');
      await firstMember.getByRole('link', { name: '修改', exact: true }).click();
      await page.waitForURL(/\/members\/\d+\/edit$/);
      await page.getByRole('heading', { name: /修改成员信息/, level: 1 }).waitFor();
      const months = page.getByLabel('务工时间（月）');
      const before = (await months.inputValue()).trim();
      const after = before === '' ? '6' : String((Number(before) + 1) % 13);
      await months.fill(after);
      await shot(page, '05-desktop-member-edit');
      await Promise.all([
        page.waitForURL(`**/households/${householdNo}`),
        page.getByRole('button', { name: '保存', exact: true }).click(),
      ]);
      await page.waitForLoadState('load');

      // Back on the household: the flash, the new value, and the history entry.
      assert.equal(await textOf(page.getByRole('status')), `已保存成员“${memberName}”的信息。`);
      const memberRow = membersTable.locator('tbody tr').filter({
        has: page.locator(`td:nth-child(${nameCol + 1})`, { hasText: memberName }),
      }).first();
      assert.equal(await textOf(memberRow.locator('td').nth(monthsCol)), after, '务工时间（月） shows the saved value');

      const history = page.locator('#history');
      await history.getByRole('heading', { name: '修改记录' }).waitFor();
      const entry = history.locator('ol.history > li').first(); // newest first
      const head = await textOf(entry.locator('.history-head'));
      assert.match(head, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} town 修改 成员 /, `history head: ${head}`);
      assert.ok(head.includes(memberName), `history names the member ${memberName}: ${head}`);
      const change = await textOf(entry.locator('ul.changes > li').filter({ hasText: '务工时间（月）' }));
      const beforeText = before === '' ? '（空）' : before;
      assert.equal(change, `务工时间（月）：${beforeText} → ${after}`);
      await history.scrollIntoViewIfNeeded();
      await shot(page, '06-desktop-household-after');
    });
  });

  test('desktop: a wrong password shows the Chinese error on the login page', async () => {
    await withPages('desktop-bad-password', async (open) => {
      const page = await open(DESKTOP);
      await page.goto('/login');
      await page.getByLabel('用户名').fill('town');
      await page.getByLabel('密码').fill('not-the-password');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
        page.getByRole('button', { name: '登录', exact: true }).click(),
      ]);
      assert.equal(response.status(), 401);
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await textOf(page.getByRole('alert')), '用户名或密码错误');
      await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('用户名').inputValue(), 'town', 'the user name is kept');
      assert.equal(await page.getByLabel('密码').inputValue(), '', 'the password is not echoed back');
      const body = await page.locator('body').innerText();
      assert.doesNotMatch(body, /panic|exception|stack|traceback|error|internal/i, 'no English or stack trace');
      await shot(page, '07-desktop-bad-password');
    });
  });

  test('phone: the village cadre sees only 青岩村 and not another village\'s household', async () => {
    await withPages('phone-scope', async (open) => {
      // A household of 崇恩村, found and opened by the town user first (so it surely exists).
      const townPage = await open(DESKTOP);
      await login(townPage, 'town');
      await townPage.goto('/households');
      await filterByVillage(townPage, OTHER_VILLAGE);
      const otherVillages = await listVillages(townPage);
      assert.ok(otherVillages.length > 0 && otherVillages.every((v) => v === OTHER_VILLAGE), `${otherVillages}`);
      const otherNo = norm(await townPage.locator('table.data tbody tr').first().getByRole('link').innerText());
      assert.match(otherNo, /^500110120202\d{4}$/);
      const townView = await townPage.goto(`/households/${otherNo}`);
      assert.equal(townView.status(), 200, 'the town user can open the 崇恩村 household');

      const page = await open(PHONE);
      await login(page, 'qingyan', { shotName: '08-phone-login' });
      await page.getByRole('heading', { name: '首页', level: 1 }).waitFor();
      assert.match(await textOf(page.locator('header.topbar')), /青岩村 · 村干部/);
      await assertNoHorizontalScroll(page, 'phone home');
      await shot(page, '09-phone-home');

      // The bottom tab bar leads to the household list.
      const tabbar = page.getByRole('navigation', { name: '底部导航' });
      assert.ok(await tabbar.isVisible(), 'the bottom tab bar is shown on a phone');
      assert.ok(!(await page.getByRole('navigation', { name: '主菜单' }).isVisible()), 'no left menu on a phone');
      await tabbar.getByRole('link', { name: '农户' }).tap();
      await page.waitForURL('**/households');
      await page.getByRole('heading', { name: '农户列表', level: 1 }).waitFor();

      const villageOptions = (await page.getByLabel('行政村').locator('option').allInnerTexts()).map(norm);
      assert.deepEqual(villageOptions, [QINGYAN], 'the village filter offers only 青岩村');
      const villages = await listVillages(page);
      assert.ok(villages.length > 0, 'the list has rows');
      assert.deepEqual([...new Set(villages)], [QINGYAN], `every row on page 1 is 青岩村: ${villages}`);
      await assertNoHorizontalScroll(page, 'phone household list');
      await shot(page, '10-phone-list');

      // Own household opens.
      const ownLink = page.locator('table.data tbody tr').first().getByRole('link');
      const ownNo = norm(await ownLink.innerText());
      await ownLink.tap();
      await page.waitForURL(`**/households/${ownNo}`);
      await page.getByRole('heading', { name: `农户 ${ownNo}`, level: 1 }).waitFor();
      await assertNoHorizontalScroll(page, 'phone household page');
      await shot(page, '11-phone-household');

      // Another village's household answers like an absent one.
      const resp = await page.goto(`/households/${otherNo}`);
      assert.equal(resp.status(), 404);
      await page.getByRole('heading', { name: '找不到该页面或记录', level: 1 }).waitFor();
      assert.match(await textOf(page.locator('main')), /记录不存在，或不在您的管辖范围内/);
      assert.ok(!(await page.getByText(otherNo).count()), 'the 404 page does not echo the household');
      await assertNoHorizontalScroll(page, 'phone not-found page');
      await shot(page, '12-phone-not-found');
    });
  });

  test('export: town downloads the household list as .xlsx', async () => {
    await withPages('export', async (open) => {
      const page = await open(DESKTOP);
      await login(page, 'town');
      await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '农户列表' }).click();
      await page.waitForURL('**/households');
      const link = page.getByRole('link', { name: '导出 Excel', exact: true });
      await shot(page, '13-desktop-list-export', false);
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), link.click()]);
      const failure = await download.failure();
      assert.equal(failure, null, `download failed: ${failure}`);
      const name = download.suggestedFilename();
      assert.match(name, /\.xlsx$/, `suggested filename ${name}`);
      assert.match(name, /农户花名册/, `suggested filename ${name}`);
      const bytes = readFileSync(await download.path());
      assert.ok(bytes.length > 1000, `workbook of ${bytes.length} bytes`);
      assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an xlsx is a zip file');
      console.log(`# exported ${name} (${(bytes.length / 1024).toFixed(0)} KiB)`);
    });
  });

  test('no page answered with a server error or a script error', () => {
    assert.deepEqual(serverErrors, []);
  });
});
