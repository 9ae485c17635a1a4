"""Every ``st.session_state`` key the app uses, in one place.

Pages import names from here instead of writing string literals, so a key is
defined once and a typo is an ImportError rather than a silent new key.
"""

# Audit workflow.
AUDIT_DEMO = "audit.demo_requested"  # dataset name set by Home's one-click demo button
AUDIT_SOURCE = "audit.source"  # dict: name, bytes digest, filename, dataset name
AUDIT_MAPPING = "audit.mapping"  # the column mapping the user confirmed
AUDIT_CALIBRATION = "audit.calibration_method"
AUDIT_SETTINGS = "audit.settings"
AUDIT_JOB = "audit.job"  # ui.jobs.Job running or finished
AUDIT_RESULT = "audit.result"

# Wavelet workflow.
WAVELET_DEMO = "wavelet.demo_requested"  # dataset name set by Home's one-click demo button
WAVELET_SOURCE = "wavelet.source"
WAVELET_TEACHER_SETTINGS = "wavelet.teacher_settings"
WAVELET_TEACHER_JOB = "wavelet.teacher_job"
WAVELET_TEACHER = "wavelet.teacher"
WAVELET_SETTINGS = "wavelet.settings"
WAVELET_DISTILL_JOB = "wavelet.distill_job"
WAVELET_RESULT = "wavelet.result"
