"""Writes demo/data/{train,dev,test}.tsv: paraphrase pairs in the GLUE MRPC layout.

The sentences are ours, built from templates: a pair is a paraphrase (label 1)
when the second sentence tells the same event in other words, and not (label 0)
when one detail (who, what, where or when) differs. Deterministic: rerunning
gives the same files.
"""

import os
import random

NAMES = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro",
         "Ines", "Jonas", "Kofi", "Lena", "Marco", "Nadia", "Omar", "Priya",
         "Quentin", "Rosa", "Samir", "Tara", "Ulla", "Victor", "Wen", "Yusuf"]
# (past tense, a synonym in the past tense, past participle of the synonym)
VERBS = [("bought", "purchased", "purchased"), ("fixed", "repaired", "repaired"),
         ("painted", "coloured", "coloured"), ("sold", "gave away", "given away"),
         ("found", "discovered", "discovered"), ("cleaned", "washed", "washed"),
         ("built", "constructed", "constructed"), ("lost", "misplaced", "misplaced"),
         ("borrowed", "took on loan", "taken on loan"),
         ("delivered", "brought", "brought"), ("ordered", "requested", "requested"),
         ("checked", "inspected", "inspected")]
OBJECTS = ["bicycle", "old piano", "kitchen table", "red car", "garden fence",
           "laptop", "wooden boat", "blue jacket", "camera", "bookshelf",
           "front door", "violin", "sofa", "printer", "tent", "lamp"]
PLACES = ["in the city", "at the market", "near the station", "in the village",
          "at the harbour", "behind the school", "in the old town",
          "at the farm"]
TIMES = [("on Monday", "On Monday"), ("last week", "Last week"),
         ("yesterday", "Yesterday"), ("in the morning", "In the morning"),
         ("after lunch", "After lunch"), ("on Sunday", "On Sunday"),
         ("in spring", "In spring"), ("at night", "At night")]


def event(rng):
    return {"name": rng.choice(NAMES), "verb": rng.choice(VERBS),
            "object": rng.choice(OBJECTS), "place": rng.choice(PLACES),
            "time": rng.choice(TIMES)}


def plain(e):
    return "%s %s the %s %s %s." % (e["name"], e["verb"][0], e["object"],
                                    e["place"], e["time"][0])


def reworded(e, rng):
    """The same event in other words: synonym, fronted time, or passive."""
    style = rng.randrange(3)
    if style == 0:
        return "%s, %s %s the %s %s." % (e["time"][1], e["name"], e["verb"][1],
                                         e["object"], e["place"])
    if style == 1:
        return "The %s was %s by %s %s %s." % (e["object"], e["verb"][2],
                                               e["name"], e["place"], e["time"][0])
    return "%s %s the %s %s %s." % (e["name"], e["verb"][1], e["object"],
                                    e["place"], e["time"][0])


def changed(e, rng):
    """A copy of the event with one detail replaced by a different one."""
    other = dict(e)
    field, pool = rng.choice([("name", NAMES), ("object", OBJECTS),
                              ("place", PLACES), ("time", TIMES)])
    while other[field] == e[field]:
        other[field] = rng.choice(pool)
    return other


def rows(count, rng, first_id):
    lines = ["Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"]
    for index in range(count):
        e = event(rng)
        label = rng.randrange(2)
        second = reworded(e if label else changed(e, rng), rng)
        lines.append("%d\t%d\t%d\t%s\t%s" % (label, first_id + 2 * index,
                                             first_id + 2 * index + 1, plain(e),
                                             second))
    return "\n".join(lines) + "\n"


def main():
    rng = random.Random(2018)
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(out_dir, exist_ok=True)
    for name, count, first_id in (("train", 400, 1000), ("dev", 100, 5000),
                                  ("test", 100, 7000)):
        with open(os.path.join(out_dir, name + ".tsv"), "w") as writer:
            writer.write(rows(count, rng, first_id))


if __name__ == "__main__":
    main()
