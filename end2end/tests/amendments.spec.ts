// Amendments: Jordan Lee asks for a correction of their details (refused
// beside the fields first); Dr. Rowan Ellis sees it on their home, denies
// it with a reason, and a second decision made from a page opened earlier
// is refused without losing what was typed; Jordan reads the answer and
// files a statement of disagreement.
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";

const patient = { email: "jordan.lee@patients.example", name: "Jordan Lee" };
const words = "My middle name is missing: it should read Jordan Example Lee.";
const reason = "The intake form the patient signed gives no middle name.";
const statement = "I gave my middle name at intake; the form was filled in for me.";

test("a patient asks for an amendment, the care team decides, the patient disagrees", async ({ browser }) => {
  test.setTimeout(150_000);
  const portal = await browser.newPage();
  await signIn(portal, patient.email);
  await portal.getByRole("link", { name: "Ask for a correction of your record" }).click();
  await expect(portal).toHaveURL(/\/me\/amendments$/);
  await hydrated(portal);
  const ask = portal.getByTestId("request-amendment");
  await ask.getByRole("button", { name: "Send the request" }).click();
  await expect(ask.getByText("Choose the part of your record to correct.")).toBeVisible();
  await expect(ask.getByText("Say what is wrong, and what it should say.")).toBeVisible();
  await ask.getByLabel("Which part of your record").selectOption({ label: "My details (name, date of birth, contact, address, …)" });
  await ask.getByLabel("What is wrong, and what it should say").fill(words);
  await ask.getByRole("button", { name: "Send the request" }).click();
  await expect(ask.getByText(/^Sent\./)).toBeVisible();
  const mine = portal.getByTestId("my-amendments");
  await expect(mine).toContainText(words);
  await expect(mine).toContainText("Waiting for a decision");
  await expect(mine).toContainText("A decision is due by");
  await scanned(portal);

  // The therapist: on their home, then the requests page, twice open.
  const staff = await browser.newPage();
  await signIn(staff, demo.therapist.email);
  const due = staff.getByTestId("amendments-due");
  await expect(due).toContainText(/amendment requests? waits? for a decision/);
  await due.getByRole("link", { name: patient.name }).click();
  await expect(staff).toHaveURL(/\/patients\/[0-9a-f-]{36}\/amendments$/);
  await hydrated(staff);
  // The same therapist on another device, the page open before deciding.
  const earlier = await browser.newPage();
  await signIn(earlier, demo.therapist.email);
  await earlier.goto(staff.url());
  await hydrated(earlier);
  await expect(staff.getByTestId("amendment").first()).toContainText(words);

  const decide = staff.getByTestId("decide-amendment").first();
  await decide.getByRole("button", { name: "Record the decision" }).click();
  await expect(decide.getByText("Choose whether to accept or deny the request.")).toBeVisible();
  await decide.getByLabel("Decision").selectOption("deny");
  await decide.getByLabel("What was amended, or why it is denied").fill(reason);
  await decide.getByRole("button", { name: "Record the decision" }).click();
  await expect(staff.getByTestId("amendment").first()).toContainText("Denied by Dr. Rowan Ellis");
  await expect(staff.getByTestId("decide-amendment")).toHaveCount(0);
  await scanned(staff);

  // The page opened before the decision: refused, the text kept.
  const stale = earlier.getByTestId("decide-amendment").first();
  await stale.getByLabel("Decision").selectOption("accept");
  await stale.getByLabel("What was amended, or why it is denied").fill("Middle name added.");
  await stale.getByRole("button", { name: "Record the decision" }).click();
  await expect(stale.getByRole("alert")).toContainText("changed after you opened it");
  await expect(stale.getByLabel("What was amended, or why it is denied")).toHaveValue("Middle name added.");
  await staff.context().close();
  await earlier.context().close();

  // The patient reads the answer and disagrees.
  await portal.reload();
  await hydrated(portal);
  await expect(mine).toContainText("Denied");
  await expect(mine).toContainText(reason);
  await portal.getByText("I disagree: send a statement of disagreement…").click();
  const disagree = portal.getByTestId("disagree-amendment");
  await disagree.getByRole("button", { name: "Send my statement" }).click();
  await expect(disagree.getByText("Say why you disagree with the decision.")).toBeVisible();
  await disagree.getByLabel("Why you disagree").fill(statement);
  await disagree.getByRole("button", { name: "Send my statement" }).click();
  await expect(portal.getByTestId("disagreement")).toContainText(statement);
  await expect(portal.getByTestId("disagree-amendment")).toHaveCount(0);
  await portal.screenshot({ path: "screenshots/amendments.png", fullPage: true });
  await scanned(portal);
  await portal.context().close();
});
