"""Weights of the boilerplate model (placeholder until bench/train_boilerplate.py writes them)."""

TEXT_MODEL = {
    "stage1": {"bias": -2.0, "log_words": 1.0, "stop_rel": 1.0, "end_punct": 1.0},
    "stage2": {"bias": -2.0, "log_words": 1.0, "stop_rel": 1.0, "end_punct": 1.0},
}
HTML_MODEL = TEXT_MODEL
