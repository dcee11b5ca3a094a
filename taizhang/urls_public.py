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
]
