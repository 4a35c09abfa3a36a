package org.otfuse.core.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otfuse.core.zoo.ModelArch;
import org.otfuse.core.zoo.ModelMeta;

class SweepPlannerTest {
  static List<ModelMeta> zoo() {
    List<ModelMeta> out = new ArrayList<>();
    for (List<Integer> w : List.of(List.of(32, 16), List.of(64, 32))) {
      for (int s = 0; s < 3; s++) {
        String id = "fashion-mnist_mlp-" + w.get(0) + "x" + w.get(1) + "_s" + s + "_full_e1";
        ModelArch arch = new ModelArch("mlp", null, 1.0, w, true, false, 10, List.of(784L));
        out.add(new ModelMeta(id, arch, "fashion-mnist", "full", s, 1, 100, 80, 0.5, 1, "t"));
      }
    }
    return out;
  }

  static SweepConfig config(String... overrides) {
    List<String> o = new ArrayList<>(List.of("sweep-id=plan"));
    o.addAll(List.of(overrides));
    return SweepConfig.from(OtfuseConfig.load(null, o));
  }

  @Test
  void quickstartGridHasTheExpectedPointsWithStableIds() {
    SweepConfig c = config("sweep.group-sizes=[2,3]", "sweep.modes=[weights,activations]",
        "sweep.solvers=[exact,sinkhorn]", "sweep.regs=[0.05]", "compression.width-factors=[0.5]");
    List<SweepPoint> a = SweepPlanner.plan(c, zoo(), true, true);
    // 2 families x (3 pairs + 1 triple) x 2 modes x 2 solvers = 32 fusion points; 6 compression points.
    assertEquals(38, a.size());
    assertEquals(38, new HashSet<>(a.stream().map(SweepPoint::pointId).toList()).size());
    List<SweepPoint> b = SweepPlanner.plan(c, zoo(), true, true);
    assertEquals(a, b);
    for (int i = 0; i < a.size(); i++) {
      assertEquals(i, a.get(i).index());
    }
    // The id does not depend on the sweep id or on the other points of the sweep.
    SweepConfig other = config("sweep-id=other", "sweep.modes=[activations]", "sweep.solvers=[sinkhorn]");
    SweepPoint p = SweepPlanner.plan(other, zoo(), true, false).get(0);
    assertEquals(p.pointId(), a.stream().filter(x -> x.canonical().equals(p.canonical())).findFirst().orElseThrow()
        .pointId());
  }

  @Test
  void exactIgnoresRegsAndSettingsChangeIds() {
    List<SweepPoint> a = SweepPlanner.plan(config("sweep.regs=[0.01, 0.1]"), zoo(), true, false);
    assertEquals(6, a.size()); // 2 families x 3 pairs, exact only: regs do not multiply
    List<SweepPoint> b = SweepPlanner.plan(config("sweep.normalizations=[max]"), zoo(), true, false);
    assertNotEquals(a.get(0).pointId(), b.get(0).pointId());
  }

  @Test
  void maxGroupsAndSelection() {
    List<SweepPoint> a = SweepPlanner.plan(config("sweep.max-groups=1", "select.widths=[[32,16]]"), zoo(), true,
        false);
    assertEquals(1, a.size());
    assertEquals(List.of("fashion-mnist_mlp-32x16_s0_full_e1", "fashion-mnist_mlp-32x16_s1_full_e1"),
        a.get(0).modelIds());
    assertEquals(1, a.get(0).targetIndex());
  }

  @Test
  void combinations() {
    assertEquals(10, SweepPlanner.combinations(5, 3, 0).size());
    assertEquals(List.of(0, 1, 2), java.util.Arrays.stream(SweepPlanner.combinations(5, 3, 0).get(0)).boxed().toList());
    assertEquals(0, SweepPlanner.combinations(2, 3, 0).size());
  }
}
