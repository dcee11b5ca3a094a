"""The public site (公众端): pages for citizens, volunteers and voters, served on TAIZHANG_PUBLIC_HOSTS
(or under /public/ on the staff host when none is configured; see taizhang/core/sites.py).

No staff session is valid here. Each app that has public pages owns its `public_urls.py`.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("taizhang.citizen.public_urls")),
    path("captcha/", include("captcha.urls")),
    path("volunteers/", include("taizhang.volunteers.public_urls")),
    path("honours/", include("taizhang.honours.public_urls")),
    path("votes/", include("taizhang.votes.public_urls")),
]

# Error pages in the public site's frame (the staff site's link to the workbench).
handler400 = "taizhang.citizen.public_views.bad_request"
handler403 = "taizhang.citizen.public_views.permission_denied"
handler404 = "taizhang.citizen.public_views.not_found"
handler500 = "taizhang.citizen.public_views.server_error"
