import assert from "node:assert/strict";
import {
  deserializeRollout,
  observeReady,
  type Rollout,
  rolloutDone,
  serializeRollout,
  stepRollout,
} from "../../../controllers/route/rollout.ts";

const S = 1e9;
const one = (rev: string, percent = 100): Rollout => ({
  configurations: [{
    configurationName: "cfg",
    percent,
    revisions: [{ revisionName: rev, percent }],
    stepParams: {},
  }],
});

Deno.test("gradual rollout", async (t) => {
  await t.step("no previous state: the desired rollout as is", () => {
    const { rollout, nextStepTime } = stepRollout(one("a"), undefined, 100 * S);
    assert.deepEqual(rollout, one("a"));
    assert.equal(nextStepTime, 0);
  });

  await t.step("a new revision starts at 1% taken from the newest old revision", () => {
    const { rollout } = stepRollout(one("b"), one("a"), 100 * S);
    assert.deepEqual(rollout.configurations![0].revisions, [
      { revisionName: "a", percent: 99 },
      { revisionName: "b", percent: 1 },
    ]);
    assert.equal(rollout.configurations![0].stepParams.starttime, 100 * S);
    assert.equal(rolloutDone(rollout), false);
  });

  await t.step("ingress ready: step size and duration from the observed 1% time", () => {
    const ro = stepRollout(one("b"), one("a"), 100 * S).rollout;
    observeReady(ro, 102 * S, 60);
    // minStep = 2s, duration' = 58s, steps = 29, size = round(99/29) = 3, stepDuration = 2s.
    assert.deepEqual(ro.configurations![0].stepParams, {
      starttime: 100 * S,
      stepDuration: 2 * S,
      stepSize: 3,
      nextStepTime: 104 * S,
    });
  });

  await t.step("steps move stepSize from the oldest to the newest until done", () => {
    let ro = stepRollout(one("b"), one("a"), 100 * S).rollout;
    observeReady(ro, 102 * S, 60);
    const early = stepRollout(one("b"), structuredClone(ro), 103 * S);
    assert.equal(early.rollout.configurations![0].revisions![1].percent, 1);
    assert.equal(early.nextStepTime, 104 * S);
    let now = 104 * S;
    const seen: number[] = [];
    for (let i = 0; i < 100 && !rolloutDone(ro); i++) {
      const r = stepRollout(one("b"), structuredClone(ro), now);
      ro = r.rollout;
      seen.push(ro.configurations![0].revisions!.at(-1)!.percent);
      now = r.nextStepTime || now;
    }
    assert.deepEqual(seen.slice(0, 3), [4, 7, 10]);
    assert.deepEqual(ro.configurations![0].revisions, [{ revisionName: "b", percent: 100 }]);
    assert.deepEqual(ro.configurations![0].stepParams, {});
  });

  await t.step("serialisation round-trips; invalid annotations are discarded", () => {
    const ro = stepRollout(one("b"), one("a"), 100 * S).rollout;
    const s = serializeRollout(ro);
    assert.equal(
      s,
      '{"configurations":[{"configurationName":"cfg","percent":100,"revisions":[{"revisionName":"a","percent":99},{"revisionName":"b","percent":1}],"stepParams":{"starttime":100000000000}}]}',
    );
    assert.deepEqual(deserializeRollout(s), ro);
    assert.equal(serializeRollout({}), "{}");
    assert.equal(deserializeRollout("not json"), undefined);
    assert.equal(
      deserializeRollout(
        '{"configurations":[{"configurationName":"c","percent":100,"revisions":[{"revisionName":"a","percent":50}],"stepParams":{}}]}',
      ),
      undefined,
    );
  });

  await t.step("a configuration percent decrease drains the oldest first", () => {
    const prev: Rollout = {
      configurations: [{
        configurationName: "cfg",
        percent: 100,
        revisions: [{ revisionName: "a", percent: 30 }, { revisionName: "b", percent: 70 }],
        stepParams: { starttime: 1, stepSize: 10, stepDuration: S, nextStepTime: 1000 * S },
      }],
    };
    const { rollout } = stepRollout(one("b", 50), prev, 10 * S);
    assert.deepEqual(rollout.configurations![0].revisions, [{ revisionName: "b", percent: 50 }]);
  });
});
