from django.urls import URLPattern, URLResolver, path

from taizhang.ledger.views import evidence, records, review

urlpatterns: list[URLPattern | URLResolver] = [
    path("records/", records.record_list, name="record_list"),
    path("records/new/", records.record_create, name="record_create"),
    path("records/bulk/", records.record_bulk, name="record_bulk"),
    path("records/type-fields/", records.record_type_fields, name="record_type_fields"),
    path("records/outlets/", records.outlet_options, name="outlet_options"),
    path("records/<int:pk>/", records.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", records.record_edit, name="record_edit"),
    path("records/<int:pk>/submit/", records.record_submit, name="record_submit"),
    path("records/<int:pk>/withdraw/", records.record_withdraw, name="record_withdraw"),
    path("records/<int:pk>/revise/", records.record_revise, name="record_revise"),
    path("records/<int:pk>/delete/", records.record_delete, name="record_delete"),
    path("records/<int:pk>/evidence/", evidence.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete, name="evidence_delete"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/approve-selected/", review.review_bulk_approve, name="review_bulk_approve"),
    path("review/<int:pk>/", review.review_item, name="review_item"),
    path("review/<int:pk>/approve/", review.review_approve, name="review_approve"),
    path("review/<int:pk>/return/", review.review_return, name="review_return"),
]
