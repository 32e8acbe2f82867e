// End to end: the built dashboard served by `finops demo`, driven in headless Debian chromium.
// Every page loads without console errors or failed API calls, shows the figures the API
// returns, passes axe (no serious or critical violations) and is screenshotted into
// docs/screenshots/. Run: npm run build && npm run e2e
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import Big from "big.js";
import {
  apiGet,
  apiPost,
  axeViolations,
  createKey,
  launchBrowser,
  openPage,
  screenshot,
  SCREENSHOT_DIR,
  seriousViolations,
  settle,
  startDemo,
  visit,
} from "./harness.mjs";

let demo;
let browser;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Load a page, check it, screenshot it; returns the open page for more checks. */
async function checkPage(path, name, options = {}) {
  const opened = await openPage(browser, demo, options);
  await visit(opened.page, demo.baseUrl, path);
  const violations = await seriousViolations(opened.page);
  assert.deepEqual(violations, [], `axe violations on ${path}`);
  await screenshot(opened.page, name);
  return opened;
}

async function dataValue(page, testId) {
  return page.getAttribute(`[data-testid="${testId}"]`, "data-value");
}

function assertClean(problems, path) {
  assert.deepEqual(problems, [], `console errors or failed API calls on ${path}`);
}

/** The Savings page against GET /savings and GET /savings/daily (exact sums per currency). */
async function checkSavings(page, api, daily) {
  if (api.totals.length) {
    assert.equal(await dataValue(page, "savings-realized"), api.totals[0].realized_to_date);
  } else {
    assert.ok(await page.getByText("No applied recommendations yet").isVisible());
  }
  if (daily.items.length === 0) {
    assert.ok(await page.getByText("No savings tracked yet").isVisible());
    return;
  }
  const currencies = [...new Set(daily.items.map((d) => d.currency))];
  for (const currency of currencies) {
    const days = daily.items.filter((d) => d.currency === currency);
    const estimated = days.reduce((sum, d) => sum.plus(d.estimated), new Big(0));
    const realized = days
      .filter((d) => d.billed > 0)
      .reduce((sum, d) => sum.plus(d.realized), new Big(0));
    assert.equal(await dataValue(page, `savings-daily-estimated-${currency}`), estimated.toFixed());
    assert.equal(await dataValue(page, `savings-daily-realized-${currency}`), realized.toFixed());
    await page.waitForSelector(`[data-testid="savings-daily-chart-${currency}"] svg`);
    assert.equal(
      await page.locator(`[data-testid="savings-daily-table-${currency}"] tbody tr`).count(),
      days.length,
    );
  }
}

describe("every page loads with the API's figures", () => {
  test("overview", async () => {
    const { page, problems, context } = await checkPage("/", "overview");
    const summary = await apiGet(demo, "/costs/summary");
    const usd = summary.currencies[0];
    assert.equal(await dataValue(page, "mtd"), usd.month_to_date);
    assert.equal(await dataValue(page, "previous-month"), usd.previous_month);
    const projection = await apiGet(demo, "/projections/month-end");
    assert.equal(await dataValue(page, "projected"), projection.projected);
    const budgets = await apiGet(demo, "/budgets");
    const meters = await page.locator('[data-testid="overview-budgets"] [role="meter"]').count();
    assert.equal(meters, Math.min(5, budgets.items.length));
    const open = await apiGet(demo, "/recommendations?status=open&limit=1");
    assert.match(await page.textContent("main"), new RegExp(`${open.total} open in total`));
    // the savings card is filled from the demo's history (recommendations applied weeks ago)
    const savings = await apiGet(demo, "/savings");
    assert.ok(savings.totals.length > 0, "the demo has applied recommendations");
    for (const t of savings.totals) {
      assert.equal(
        await dataValue(page, `overview-savings-realized-${t.billing_currency}`),
        t.realized_to_date,
      );
    }
    // the shell names the key (GET /me)
    const me = await apiGet(demo, "/me");
    const identity = await page.textContent('aside [data-testid="key-identity"]');
    assert.ok(identity.includes(me.name) && identity.includes(me.role), identity);
    assertClean(problems, "/");
    await context.close();
  });

  test("cost explorer: totals match GET /costs and the URL holds the query", async () => {
    const api = await apiGet(demo, "/costs/summary");
    const { month_to_date: mtd } = api;
    const path = `/costs?start=${mtd.start}&end=${mtd.end}&granularity=day&group_by=service&metric=effective&limit=10`;
    const { page, problems, context } = await checkPage(path, "cost-explorer");
    const costs = await apiGet(
      demo,
      `/costs?start=${mtd.start}&end=${mtd.end}&group_by=service&metric=effective&limit=10`,
    );
    assert.equal(await dataValue(page, "total-effective"), costs.totals[0].effective);
    assert.equal(await dataValue(page, "total-billed"), costs.totals[0].billed);
    assert.equal(await dataValue(page, "total-list"), costs.totals[0].list);
    // the month-to-date effective total is the summary's month to date
    assert.equal(costs.totals[0].effective, api.currencies[0].month_to_date);
    const rows = await page.locator('[data-testid="cost-groups-table"] tbody tr').count();
    assert.equal(rows, costs.rows.length);
    assertClean(problems, path);
    await context.close();
  });

  test("usage: a resource's percentiles", async () => {
    const { page, problems, context } = await checkPage("/usage", "usage");
    const resources = await apiGet(demo, "/resources?limit=50");
    assert.equal(
      await page.locator('[data-testid="resources-table"] tbody tr').count(),
      resources.items.length,
    );
    const ec2 = resources.items.find((r) => r.resource_id.startsWith("i-")) ?? resources.items[0];
    await page.goto(`${demo.baseUrl}/usage?resource=${encodeURIComponent(ec2.resource_id)}`);
    await settle(page);
    await page.waitForSelector('[data-testid="usage-stats-table"]');
    await screenshot(page, "usage");
    assertClean(problems, "/usage");
    await context.close();
  });

  test("anomalies list and detail", async () => {
    const list = await apiGet(demo, "/anomalies?status=open&limit=50");
    const { page, problems, context } = await checkPage("/anomalies", "anomalies");
    assert.equal(
      await page.locator('[data-testid="anomalies-table"] tbody tr').count(),
      list.items.length,
    );
    const impacts = await page
      .locator('[data-testid="anomaly-impact"]')
      .evaluateAll((els) => els.map((e) => e.dataset.value));
    assert.deepEqual(
      impacts,
      list.items.map((a) => a.impact),
    );
    const first = list.items[0];
    const band = await apiGet(demo, `/anomalies/${first.id}/band`);
    assert.ok(band.points.length > 0, "the band has days");
    await visit(page, demo.baseUrl, `/anomalies/${first.id}`);
    // the band: one table row and one bar per day of the API's answer, exact figures
    await page.waitForSelector('[data-testid="anomaly-band-chart"] svg');
    assert.equal(
      await page.locator('[data-testid="band-table"] tbody tr').count(),
      band.points.length,
    );
    assert.equal(
      await page.locator('[data-testid="anomaly-band-chart"] .recharts-bar-rectangle').count(),
      band.points.filter((p) => !new Big(p.actual).eq(0)).length,
    );
    const peak = band.points
      .filter((p) => p.in_anomaly)
      .sort((a, b) => new Big(b.actual).cmp(a.actual))[0];
    assert.ok(peak, "the band marks the anomaly's days");
    assert.equal(
      await page.getAttribute(
        `[data-testid="band-table"] tr[data-day="${peak.day}"] [data-testid="band-actual"]`,
        "data-value",
      ),
      peak.actual,
    );
    assert.equal(await dataValue(page, "anomaly-actual"), first.actual_cost);
    assert.equal(await dataValue(page, "anomaly-expected"), first.expected_cost);
    assert.equal(await dataValue(page, "anomaly-impact"), first.impact);
    assert.equal(
      await page.locator('[data-testid="contributors-table"] tbody tr').count(),
      first.root_cause.length,
    );
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, "anomaly-detail");
    assertClean(problems, "/anomalies");
    await context.close();
  });

  test("recommendations: count and exact sum of the savings shown", async () => {
    const api = await apiGet(demo, "/recommendations?status=open&limit=100&offset=0");
    const { page, problems, context } = await checkPage("/recommendations", "recommendations");
    assert.equal(await page.textContent('[data-testid="recs-total"]'), String(api.total));
    const sum = api.items.reduce((s, r) => s.plus(r.estimated_monthly_saving), new Big(0));
    assert.equal(await dataValue(page, "recs-saving-USD"), sum.toFixed());
    const top = [...api.items].sort((a, b) =>
      new Big(b.estimated_monthly_saving).cmp(a.estimated_monthly_saving),
    )[0];
    await visit(page, demo.baseUrl, `/recommendations/${top.id}`);
    assert.equal(await dataValue(page, "rec-saving"), top.estimated_monthly_saving);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, "recommendation-detail");
    assertClean(problems, "/recommendations");
    await context.close();
  });

  test("savings: the daily series, empty or not, with exact sums", async () => {
    const api = await apiGet(demo, "/savings");
    const daily = await apiGet(demo, "/savings/daily");
    const { page, problems, context } = await openPage(browser, demo);
    const answered = page.waitForResponse((r) => r.url().includes("/api/v1/savings/daily"));
    await visit(page, demo.baseUrl, "/savings");
    assert.equal((await answered).status(), 200);
    await checkSavings(page, api, daily);
    // The demo's history: one recommendation applied by remediation, one by hand, weeks ago;
    // each row shows the API's estimated and realized to date, realized below the estimate.
    const remediated = new Set(
      (await apiGet(demo, "/remediation/actions?status=succeeded&limit=200")).items.map(
        (a) => a.recommendation_id,
      ),
    );
    assert.equal(api.recommendations.length, 2);
    assert.deepEqual(api.recommendations.map((r) => remediated.has(r.recommendation_id)).sort(), [
      false,
      true,
    ]);
    for (const r of api.recommendations) {
      const id = r.recommendation_id;
      assert.ok(await page.locator(`[data-testid="savings-row-${id}"]`).isVisible());
      assert.equal(await dataValue(page, `savings-row-estimated-${id}`), r.estimated_to_date);
      assert.equal(await dataValue(page, `savings-row-realized-${id}`), r.realized_to_date);
      assert.equal(await dataValue(page, `savings-row-rate-${id}`), r.realization_rate);
      assert.ok(new Big(r.realization_rate).lt(1), `rate of ${id} below 100%`);
    }

    // Apply a recommendation ten days back and accrue its savings: the series fills in.
    const summary = await apiGet(demo, "/costs/summary");
    const actions = await apiGet(demo, "/remediation/actions?limit=200");
    const planned = new Set(actions.items.map((a) => a.recommendation_id));
    const open = await apiGet(demo, "/recommendations?status=open&limit=100");
    const rec = open.items.find((r) => !planned.has(r.id));
    assert.ok(rec, "an open recommendation no remediation action uses");
    const appliedOn = new Date(`${summary.today}T00:00:00Z`);
    appliedOn.setUTCDate(appliedOn.getUTCDate() - 10);
    await apiPost(demo, `/recommendations/${rec.id}/apply`, {
      applied_on: appliedOn.toISOString().slice(0, 10),
      note: "applied by the end-to-end suite",
    });
    await demo.cli(["jobs", "run", "track_savings"]);
    const after = await apiGet(demo, "/savings/daily");
    assert.ok(after.items.length > 0, "track_savings accrued days");
    await visit(page, demo.baseUrl, "/savings");
    await checkSavings(page, await apiGet(demo, "/savings"), after);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, "savings");
    assertClean(problems, "/savings");
    await context.close();
  });

  test("forecasts: model, bands and month-end projection", async () => {
    const projection = await apiGet(demo, "/projections/month-end");
    const runs = await apiGet(demo, "/forecasts?limit=200");
    const { page, problems, context } = await checkPage("/forecasts", "forecasts");
    assert.equal(await dataValue(page, "forecast-projected"), projection.projected);
    assert.equal(
      await page.locator('[data-testid="forecast-runs-table"] tbody tr').count(),
      runs.items.length,
    );
    assert.ok(await page.locator('[data-testid="forecast-chart"] svg').count());
    assertClean(problems, "/forecasts");
    await context.close();
  });

  test("budgets", async () => {
    const api = await apiGet(demo, "/budgets");
    const { page, problems, context } = await checkPage("/budgets", "budgets");
    assert.equal(await dataValue(page, "budget-actual"), api.items[0].actual);
    assert.equal(await dataValue(page, "budget-forecast"), api.items[0].forecast);
    assertClean(problems, "/budgets");
    await context.close();
  });

  test("insights and audit log", async () => {
    const insights = await apiGet(demo, "/insights");
    const { page, problems, context } = await checkPage("/insights", "insights");
    assert.equal(
      await page.locator('[data-testid="insights-list"] > section').count(),
      insights.items.length,
    );
    const audit = await apiGet(demo, "/audit?limit=50");
    await visit(page, demo.baseUrl, "/audit");
    assert.deepEqual(await seriousViolations(page), []);
    const actions = await page
      .locator('[data-testid="audit-table"] tbody tr td:nth-child(3)')
      .allTextContents();
    assert.deepEqual(
      actions,
      audit.items.map((e) => e.action),
    );
    await screenshot(page, "audit-log");
    assertClean(problems, "/insights and /audit");
    await context.close();
  });
});

describe("interactions", () => {
  test("a filter change updates the chart and the request", async () => {
    const { page, problems, context } = await openPage(browser, demo);
    const summary = await apiGet(demo, "/costs/summary");
    const { start, end } = summary.month_to_date;
    await visit(
      page,
      demo.baseUrl,
      `/costs?start=${start}&end=${end}&granularity=day&group_by=service&limit=10`,
    );
    const legend = () =>
      page.locator('[data-testid="cost-chart"] .recharts-legend-item-text').allTextContents();
    const before = await legend();
    const regions = await apiGet(demo, `/costs?start=${start}&end=${end}&group_by=region&limit=10`);
    const region = regions.rows[0].keys.region;
    // filter to one region and break down by account, through the UI
    await page.getByRole("button", { name: "Add filter" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Dimension").selectOption("region");
    await dialog.getByRole("checkbox").first().waitFor();
    await dialog.getByText(region, { exact: true }).click();
    const request = page.waitForRequest(
      (r) =>
        r.url().includes("/api/v1/costs") &&
        decodeURIComponent(r.url()).includes(`filter[region]=${region}`),
    );
    await dialog.getByRole("button", { name: "Apply filter" }).click();
    await request;
    await page.getByLabel("Group by").selectOption("account");
    await settle(page);
    const afterLegend = await legend();
    assert.notDeepEqual(afterLegend, before);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("filter[region]"), region);
    assert.equal(url.searchParams.get("group_by"), "account");
    const expected = await apiGet(
      demo,
      `/costs?start=${start}&end=${end}&group_by=account&limit=10&filter[region]=${region}`,
    );
    assert.equal(await dataValue(page, "total-effective"), expected.totals[0].effective);
    // the link is the view: reloading it shows the same figures
    await page.reload();
    await settle(page);
    assert.equal(await dataValue(page, "total-effective"), expected.totals[0].effective);
    assertClean(problems, "/costs filter");
    await context.close();
  });

  test("API key entry", async () => {
    const { page, problems, context } = await openPage(browser, demo, { key: null });
    await page.goto(`${demo.baseUrl}/`);
    await page.getByRole("textbox", { name: "API key" }).fill(demo.adminKey);
    await page.getByRole("button", { name: "Save key" }).click();
    await settle(page);
    const summary = await apiGet(demo, "/costs/summary");
    assert.equal(await dataValue(page, "mtd"), summary.currencies[0].month_to_date);
    assertClean(problems, "key entry");
    await context.close();
  });

  test("a viewer sees the remediation diff but no Approve button, and no budget buttons", async () => {
    const planned = await apiGet(demo, "/remediation/actions?status=planned&limit=50");
    assert.ok(planned.items.length > 0, "the demo left actions awaiting approval");
    const actionId = planned.items[0].id;
    const viewerName = `e2e-viewer-${Date.now()}`;
    const viewerKey = await createKey(demo, viewerName, "viewer");
    const me = await apiGet(demo, "/me", viewerKey);
    assert.deepEqual(me, { name: viewerName, role: "viewer", permissions: ["viewer"] });
    const { page, problems, context } = await openPage(browser, demo, { key: viewerKey });
    await visit(page, demo.baseUrl, `/remediation?action=${actionId}`);
    await page.waitForSelector('[data-testid="remediation-diff"]');
    const note = page.locator('[data-testid="remediation-detail"] [data-testid="role-note"]');
    await note.waitFor();
    assert.match(
      await note.textContent(),
      /needs the operator role; this key \(e2e-viewer-\d+\) is a viewer/,
    );
    for (const name of ["Approve", "Reject", "Execute now", "Plan now"]) {
      assert.equal(await page.getByRole("button", { name }).count(), 0, `no ${name} button`);
    }
    assert.ok(
      (await page.textContent('aside [data-testid="key-identity"]')).includes(viewerName),
      "the shell names the viewer key",
    );
    await visit(page, demo.baseUrl, "/budgets");
    await page.getByTestId("role-note").waitFor();
    for (const name of ["New budget", "Edit", "Delete"]) {
      assert.equal(await page.getByRole("button", { name }).count(), 0, `no ${name} button`);
    }
    assert.deepEqual(await seriousViolations(page), []);
    // nothing was tried, so nothing was refused
    assertClean(problems, "/remediation and /budgets as a viewer");
    await context.close();
  });

  test("an operator approves and executes a remediation on the demo's local AWS", async () => {
    // `finops demo` planned `demo-stop-dev-instances` on its moto server as "demo": a second
    // operator approves a stop here, executes it, and the instance really stops in the emulator.
    const planned = await apiGet(demo, "/remediation/actions?status=planned&limit=50");
    assert.ok(planned.items.length > 0, "the demo left actions awaiting approval");
    const actionId = planned.items[0].id;
    assert.equal(planned.items[0].requested_by, "demo");
    const operatorName = `e2e-operator-${Date.now()}`;
    const operatorKey = await createKey(demo, operatorName, "operator");
    const { page, problems, context } = await openPage(browser, demo, { key: operatorKey });
    await visit(page, demo.baseUrl, "/remediation");
    await page
      .locator(`[data-testid="remediation-table"] tr[data-action-id="${actionId}"] button`)
      .click();
    await page.waitForSelector('[data-testid="remediation-diff"]');
    await settle(page);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, "remediation");
    await page.getByLabel("Decision note (audited)").fill("approved in the end-to-end suite");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Done: the action is now Approved.").waitFor();
    const approved = await apiGet(demo, `/remediation/actions/${actionId}`);
    assert.equal(approved.status, "approved");
    assert.equal(approved.approved_by, `api:${operatorName}`);

    // the page asks before it changes anything in AWS
    page.once("dialog", (dialog) => {
      assert.match(dialog.message(), /changes .* in AWS/);
      void dialog.accept();
    });
    await page.getByRole("button", { name: "Execute now" }).click();
    await page.getByText("Done: the action is now Succeeded.").waitFor({ timeout: 60_000 });
    const executed = await apiGet(demo, `/remediation/actions/${actionId}`);
    assert.equal(executed.status, "succeeded");
    assert.ok(executed.verified_at, "the new state was verified");
    const audit = await apiGet(demo, `/audit?entity_type=remediation_action&entity_id=${actionId}`);
    const steps = audit.items.map((e) => e.action);
    for (const step of ["planned", "approved", "succeeded"]) {
      assert.ok(steps.includes(step), `audit has ${step}: ${steps.join(", ")}`);
    }
    assert.ok(audit.items.some((e) => e.actor === `api:${operatorName}`));
    assertClean(problems, "/remediation");
    await context.close();
  });

  test("phone width: no horizontal scrolling, menu works", async () => {
    const { page, problems, context } = await openPage(browser, demo, { width: 390, height: 844 });
    await visit(page, demo.baseUrl, "/");
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await screenshot(page, "overview-phone");
    await page.getByRole("button", { name: "Menu" }).click();
    await page.locator("#mobile-nav").getByRole("link", { name: "Budgets" }).click();
    // a data router commits the URL once the page's chunk has loaded
    await page.waitForURL("**/budgets");
    await settle(page);
    assert.equal(await page.locator("#mobile-nav").count(), 0, "the menu closes after navigating");
    assert.equal(new URL(page.url()).pathname, "/budgets");
    assertClean(problems, "phone");
    await context.close();
  });

  test("keyboard: skip link and navigation", async () => {
    const { page, problems, context } = await openPage(browser, demo);
    await visit(page, demo.baseUrl, "/");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    assertClean(problems, "keyboard");
    await context.close();
  });
});

/** The rows of the Ask page's table as the API spells them (data-* carry the exact text). */
async function shownAskRows(page) {
  return page.locator('[data-testid="ask-rows"] tbody tr').evaluateAll((rows) =>
    rows.map((row) => {
      const value = (id) => row.querySelector(`[data-testid="${id}"]`)?.dataset.value ?? null;
      return {
        group: row.dataset.group,
        value: value("ask-row-value"),
        currency: row.dataset.currency,
        current: value("ask-row-current"),
        previous: value("ask-row-previous"),
        change_percent: value("ask-row-change-percent"),
      };
    }),
  );
}

/** Types `question` into the Ask page's box, presses Enter and waits for the answer. */
async function ask(page, question) {
  const answered = page.waitForResponse(
    (r) => r.url().endsWith("/api/v1/ask") && r.request().method() === "POST",
  );
  await page.getByLabel("Question", { exact: true }).fill(question);
  await page.getByLabel("Question", { exact: true }).press("Enter");
  const response = await answered;
  assert.equal(response.status(), 200);
  await page.waitForSelector('[data-testid="ask-answer"]');
  await settle(page);
  return response.json();
}

describe("the assistant", () => {
  test("ask: the rows shown are the API's for the same question and as_of", async () => {
    const question = "Top 5 services with rising cost last 60 days?";
    const { page, problems, context } = await openPage(browser, demo);
    await visit(page, demo.baseUrl, "/ask");
    const asked = await ask(page, question);
    assert.equal(asked.question, question);
    const asOf = await page.getAttribute('[data-testid="ask-as-of"]', "data-value");
    assert.equal(asOf, asked.as_of);

    // the history is read again: the question is at the top, answered, with its command, as
    // GET /ask/history answers the same key
    const top = page.getByTestId("ask-history-item").first();
    await page.waitForFunction(
      (id) =>
        document.querySelector('[data-testid="ask-history-item"]')?.getAttribute("data-id") ===
        String(id),
      asked.log_id,
    );
    const logged = await apiGet(demo, "/ask/history?limit=10&offset=0");
    const newest = logged.items[0];
    assert.equal(newest.id, asked.log_id);
    assert.equal(newest.question, question);
    assert.equal(newest.status, "answered");
    assert.equal(newest.command, asked.cli);
    assert.equal(await top.getAttribute("data-status"), "answered");
    assert.equal(await top.getByRole("button").first().textContent(), question);
    assert.equal(await top.getByTestId("ask-history-command").textContent(), newest.command);
    assert.equal(
      await top.getByTestId("ask-history-asked-at").getAttribute("data-value"),
      newest.asked_at,
    );
    assert.equal(await top.getByRole("button").first().getAttribute("aria-current"), "true");
    assert.equal(
      await page.getByTestId("ask-history-item").count(),
      Math.min(logged.total, logged.limit),
    );

    // the same question asked of the API directly, as of the same day
    const api = await apiPost(demo, "/ask", { question, as_of: asOf });
    assert.equal(api.status, "answered");
    assert.ok(api.answer.rows.length > 0, "the demo has services whose cost rose");
    assert.deepEqual(
      await shownAskRows(page),
      api.answer.rows.map((r) => ({
        group: r.group,
        value: r.value,
        currency: r.currency,
        current: r.current,
        previous: r.previous,
        change_percent: r.change_percent,
      })),
    );
    assert.equal(await page.textContent('[data-testid="ask-message"]'), api.message);
    // the request and the command that return the same figures
    const params = new URLSearchParams(
      Object.entries(api.sources[0].params).map(([k, v]) => [k, String(v)]),
    );
    const source = await page.textContent('[data-testid="ask-source"]');
    assert.match(source, /^GET \/api\/v1\/costs\/changes\?/);
    assert.deepEqual(
      Object.fromEntries(new URL(source.slice(4), "http://local").searchParams),
      Object.fromEntries(params),
    );
    assert.equal(await page.textContent('[data-testid="ask-cli"]'), api.cli);
    assert.match(api.cli, /^finops cost-changes /);

    await page.locator('[data-testid="ask-plan"] summary').click();
    assert.match(await page.textContent('[data-testid="ask-plan"]'), /end exclusive/);
    assert.deepEqual(await axeViolations(page), [], "axe violations on /ask");
    await screenshot(page, "ask");
    assertClean(problems, "/ask");
    await context.close();
  });

  test("ask: a request to change something is refused", async () => {
    const question = "delete all EC2 instances";
    const { page, problems, context } = await openPage(browser, demo);
    await visit(page, demo.baseUrl, "/ask");
    const asked = await ask(page, question);
    assert.equal(asked.status, "refused");
    const notice = page.getByTestId("ask-refusal");
    await notice.waitFor();
    assert.match(await notice.textContent(), /I only read costs/);
    assert.equal(await page.getByTestId("ask-rows").count(), 0);
    assert.equal(await page.getByTestId("ask-cli").count(), 0);
    assert.deepEqual(await axeViolations(page), [], "axe violations on a refusal");
    assertClean(problems, "/ask refused");
    await context.close();
  });

  test("the Overview's question box asks on the Ask page", async () => {
    const question = "How much did we spend last month?";
    const { page, problems, context } = await openPage(browser, demo);
    await visit(page, demo.baseUrl, "/");
    await page.getByLabel("Ask about your costs").fill(question);
    await page.getByLabel("Ask about your costs").press("Enter");
    await page.waitForURL("**/ask?**");
    await page.waitForSelector('[data-testid="ask-answer"]');
    await settle(page);
    assert.equal(new URL(page.url()).searchParams.get("q"), question);
    const asOf = await page.getAttribute('[data-testid="ask-as-of"]', "data-value");
    const api = await apiPost(demo, "/ask", { question, as_of: asOf });
    assert.equal(
      await page.getAttribute('[data-testid="ask-value"]', "data-value"),
      api.answer.value,
    );
    assertClean(problems, "/ -> /ask");
    await context.close();
  });
});
