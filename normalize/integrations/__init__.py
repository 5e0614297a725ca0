"""normalize as a step of other pipelines: datatrove (:mod:`.datatrove`), Hugging Face datasets (:mod:`.hf`).

Each module imports its framework only when used; the extras ``datatrove``
and ``hf`` install them.
"""
