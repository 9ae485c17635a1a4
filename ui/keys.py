"""Every ``st.session_state`` key the app uses, in one place.

Pages import names from here instead of writing string literals, so a key is
defined once and a typo is an ImportError rather than a silent new key.
"""

# Home's one-click demos, and the address.
DEMO_PENDING = "demo.pending"  # (kind, dataset name): asked for on Home, started by the router on the next run
ADDRESS_HELD = "address.held"  # bool: addresses are kept but not written (ui.address.held)

# Audit workflow.
AUDIT_SOURCE = "audit.source"  # ui.audit.source.Source: the chosen dataset or upload, with its sha256
AUDIT_MAPPING = "audit.mapping"  # dict: score, outcome, positive, features, protected, protected_as_features
AUDIT_CALIBRATION = "audit.calibration_method"  # the calibration method the audit uses; also its control's key
AUDIT_SETTINGS = "audit.settings"  # dict from the Run form: preset, interactions, outer_bags, random_state
AUDIT_JOB = "audit.job"  # ui.jobs.Job running or finished
AUDIT_RESULT = "audit.result"  # (run key, AuditResult) on show
AUDIT_RUN_KEY = "audit.run_key"  # digest + settings of the run in AUDIT_JOB / AUDIT_RESULT
AUDIT_CHOICE = "audit.choice"  # widget: which built-in dataset, or "upload"
AUDIT_UPLOAD = "audit.upload"  # widget: the user's own table
AUDIT_COMPAS_UPLOAD = "audit.compas_upload"  # widget: a local copy of ProPublica's COMPAS file
AUDIT_COMPAS_JOB = "audit.compas_job"  # ui.jobs.Job fetching COMPAS from ProPublica
AUDIT_MAP_PREFIX = "audit.map."  # widget keys of the column mapping, suffixed per field and data digest
AUDIT_SETTINGS_FORM = "audit.settings_form"
AUDIT_SETTINGS_PREFIX = "audit.setting."  # widget keys inside the settings form, suffixed per setting
AUDIT_SHOW_TRUTH = "audit.show_truth"  # widget: overlay the true shapes of a synthetic scenario
AUDIT_FEATURE = "audit.feature"  # widget: the feature shown in detail
AUDIT_SIDE_BY_SIDE = "audit.side_by_side"  # widget: the two models in two panels instead of overlaid
AUDIT_SHOW_BAGS = "audit.show_bags"  # widget: overlay students refitted on each outer bag
AUDIT_CAL_STAGE = "audit.calibration_stage"  # widget: per-group reliability before or after calibration
AUDIT_COMPAS_USE = "audit.compas_use"  # button: switch back to the downloaded COMPAS file
AUDIT_COMPAS_FETCH = "audit.compas_fetch"  # button: download COMPAS from ProPublica
AUDIT_DATA_RUN = "audit.data_run"  # button: run the audit from the Data page
AUDIT_LOST = "audit.lost"  # str: what a reload or shared link could not restore, and how to get it back
AUDIT_RESTORED = "audit.restored"  # str: what a reload or shared link restored (said once on the page)
AUDIT_MAPPING_NOTE = "audit.mapping_note"  # str: what moved when Features and the protected switch were synced
AUDIT_BUSY = "audit.busy"  # bool: Run was pressed while another run was going (said once on the page)

# Wavelet workflow.
WAVELET_UPLOAD_REF = "wavelet.upload_ref"  # dict: digest, target and length of the uploaded signals (for the address)
WAVELET_RESTORED = "wavelet.restored"  # bool: this session already tried to restore from the address
WAVELET_DEMO_CHAIN = "wavelet.demo_chain"  # teacher key whose distillation starts once it is trained (Home's demo)
WAVELET_SOURCE = "wavelet.source"  # ui.wavelets.data.Source the user chose (name or upload digest + options)
WAVELET_TEACHER_SETTINGS = "wavelet.teacher_settings"  # dict of the teacher form, kept across pages
WAVELET_TEACHER_JOB = "wavelet.teacher_job"  # ui.jobs.Job training a teacher
WAVELET_TEACHER = "wavelet.teacher"  # key (into WAVELET_TEACHERS) of the teacher in use
WAVELET_TEACHERS = "wavelet.teachers"  # dict key -> trained teacher; a key is data digest + settings
WAVELET_SETTINGS = "wavelet.settings"  # dict of the distil form, kept across pages
WAVELET_DISTILL_JOB = "wavelet.distill_job"  # ui.jobs.Job distilling a wavelet
WAVELET_RESULT = "wavelet.result"  # key (into WAVELET_RESULTS) of the result on show
WAVELET_RESULTS = "wavelet.results"  # dict key -> WaveletResult; a key is teacher key + settings
WAVELET_SWEEP_JOB = "wavelet.sweep_job"  # ui.jobs.Job running a γ sweep
WAVELET_SWEEP = "wavelet.sweep"  # key (into WAVELET_SWEEPS) of the sweep on show
WAVELET_SWEEPS = "wavelet.sweeps"  # dict key -> sweep record; a key is teacher key + settings + γ grid
WAVELET_SAMPLE = "wavelet.sample"  # index of the test signal shown on Explore
WAVELET_SCOPE = "wavelet.scope"  # Explore's top-k scope: "overall" or "level" (core.wavelets.reconstruct.SCOPES)
WAVELET_TOP_K = "wavelet.top_k"  # Explore's k slider
WAVELET_EXPLORE = "wavelet.explore"  # dict: Explore's sample, scope and k, kept while another page shows
WAVELET_UPLOAD = "wavelet.upload"  # the file uploader widget
WAVELET_KIND = "wavelet.kind"  # the dataset-kind control (built-in or upload)
WAVELET_BUILTIN = "wavelet.builtin"  # the built-in task selector
WAVELET_SIZE = "wavelet.size."  # prefix: + task name, the number of signals to generate
