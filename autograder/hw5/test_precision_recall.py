"""Task "precision_recall" (1.5 points): k-nearest-neighbour radii against the reference for k = 1 and larger k, with
sixteen duplicated rows on every seed (a duplicate is another row, at distance 0) and features sharing an offset;
precision and recall against the reference for sets of different sizes, including purpose-built sets where the two
disagree: a collapsed set (high precision, low recall) and a noisy one (low precision, high recall), whose behaviour
is also checked on the trusted side."""


from autograder.grading.contract import check

DUPLICATES = 16
# torch.cdist computes distances of more than 25 rows as sqrt(max(|a|^2 - 2 a.b + |b|^2, 0)): between duplicates of
# norm up to 130 that is up to about 2e-6 where the exact distance is 0, so radii are compared within 1e-5
RADIUS_ATOL = 1e-5
COLLAPSED = {"precision": 0.6, "recall": 0.6}  # the reference: 0 failures in 2,000 seeds (README, False alarms)


def mixture(rng, rows, centres, spread=0.3):
    """Rows drawn around the given centres (K, F)."""
    labels = rng.integers(len(centres), size=rows)
    return centres[labels] + spread * rng.normal(size=(rows, centres.shape[1]))


@check("precision_recall", points=0.5)
def test_knn_radii_match_the_reference_with_duplicates(grader):
    dim, rows = int(grader.rng.integers(8, 17)), int(grader.rng.integers(40, 80))
    # features share an offset, as a classifier's ReLU features do: |a|^2 - 2 a.b + |b|^2 then rounds to small
    # negative numbers for duplicates, whose square root is NaN unless clamped at 0
    points = grader.rng.normal(size=(rows, dim)) * grader.rng.uniform(0.5, 3, dim) + grader.rng.uniform(10, 30, dim)
    duplicated = grader.rng.choice(rows, 2 * DUPLICATES, replace=False)
    points[duplicated[:DUPLICATES]] = points[duplicated[DUPLICATES:]]  # rows that appear twice
    for k in (1, int(grader.rng.integers(2, 4)), int(grader.rng.integers(4, 8))):
        got, want = grader.both("knn_radii", features=points, k=k)
        grader.expect_close(got["radii"], want["radii"], f"the k-nearest-neighbour radii are wrong for k = {k} (the "
                            "distance to the k-th nearest *other* row; a duplicate is another row at distance 0; "
                            "a squared distance computed as |a|^2 - 2 a.b + |b|^2 must be clamped at 0 before its "
                            "square root)", rtol=1e-9, atol=RADIUS_ATOL)


@check("precision_recall", points=1.0)
def test_precision_and_recall_match_the_reference_and_separate_collapse_from_noise(grader):
    dim = int(grader.rng.integers(2, 5))
    centres = grader.rng.normal(0, 4, (6, dim))
    real = mixture(grader.rng, int(grader.rng.integers(150, 250)), centres)
    generated = {"fair": mixture(grader.rng, int(grader.rng.integers(100, 200)), centres),
                 "collapsed": mixture(grader.rng, int(grader.rng.integers(100, 200)), centres[:2]),
                 "noisy": mixture(grader.rng, int(grader.rng.integers(100, 200)), centres, spread=1.5)}
    for k in (int(grader.rng.integers(2, 4)), int(grader.rng.integers(4, 6))):  # two k on every seed
        results = {}
        for name, fake in generated.items():
            got, want = grader.both("precision_recall", real=real, fake=fake, k=k)
            for measure in ("precision", "recall"):
                grader.expect_close(got[measure], want[measure], f"{measure} is wrong for a {name} generated set (of "
                                    f"another size than the real one) with k = {k}: is the ball of each real sample "
                                    "its distance to its k-th nearest other real sample, and likewise for the "
                                    "generated ones?", rtol=1e-12, atol=1e-12)
            results[name] = (float(got["precision"]), float(got["recall"]))
        # the behaviour every correct implementation shows, on the trusted side; bounds with a margin: over 2,000
        # seeds the reference's collapsed precision fell to 0.8 and its recall rose to 0.5 (README, False alarms)
        collapsed_precision, collapsed_recall = results["collapsed"]
        noisy_precision, noisy_recall = results["noisy"]
        grader.expect(collapsed_precision > COLLAPSED["precision"] and collapsed_recall < COLLAPSED["recall"],
                      f"a set collapsed onto 2 of 6 modes must get a precision above {COLLAPSED['precision']} and a "
                      f"recall below {COLLAPSED['recall']} (k = {k})")
        grader.expect(noisy_recall > noisy_precision, f"a set with noise on every sample must get a higher recall "
                      f"than precision (k = {k})")
