"""Every state change of the civility app (views, API, CLI, demo and tests call these)."""

from taizhang.civility.actions.bulletins import (
    create_bulletin,
    publish_bulletin,
    remove_bulletin_photo,
    set_bulletin_photo,
)
from taizhang.civility.actions.framework import (
    activate_framework,
    add_content,
    add_project,
    add_standard,
    create_framework,
    delete_standard,
    import_framework,
    new_edition,
    update_standard,
)
from taizhang.civility.actions.inspections import active_framework, checklist, create_round, submit_inspection
from taizhang.civility.actions.problems import on_case_state_change, rectify_problem, reinspect_problem
from taizhang.civility.actions.reviews import import_surveys, record_survey, review_document, submit_document
from taizhang.civility.actions.sites import create_site, import_sites, update_site
from taizhang.civility.actions.titles import (
    apply_title,
    check_title,
    create_pairing,
    end_pairing,
    expire_titles,
    review_application,
    revoke_title,
)

__all__ = [
    "activate_framework",
    "active_framework",
    "add_content",
    "add_project",
    "add_standard",
    "apply_title",
    "check_title",
    "checklist",
    "create_bulletin",
    "create_framework",
    "create_pairing",
    "create_round",
    "create_site",
    "delete_standard",
    "end_pairing",
    "expire_titles",
    "import_framework",
    "import_sites",
    "import_surveys",
    "new_edition",
    "on_case_state_change",
    "publish_bulletin",
    "record_survey",
    "rectify_problem",
    "reinspect_problem",
    "remove_bulletin_photo",
    "review_application",
    "review_document",
    "revoke_title",
    "set_bulletin_photo",
    "submit_document",
    "submit_inspection",
    "update_site",
    "update_standard",
]
