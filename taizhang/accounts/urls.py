from django.urls import path

from taizhang.accounts import views, views_security, views_tokens

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/otp/", views.totp_verify, name="totp_verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("totp/", views.totp_manage, name="totp"),
    path("totp/setup/", views.totp_setup, name="totp_setup"),
    path("reset/<str:code>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("tokens/", views_tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("security/", views_security.policy_view, name="security"),
    path("security/users/", views_security.user_list, name="security_users"),
    path("security/users/<int:pk>/", views_security.user_detail, name="security_user"),
    path("security/users/<int:pk>/reset-password/", views_security.user_reset_password,
         name="security_reset_password"),
    path("security/users/<int:pk>/reset-totp/", views_security.user_reset_totp, name="security_reset_totp"),
    path("security/users/<int:pk>/enrolment-code/", views_security.user_enrolment_code,
         name="security_enrolment_code"),
    path("security/users/<int:pk>/unlock/", views_security.user_unlock, name="security_unlock_user"),
    path("security/locks/", views_security.lock_list, name="security_locks"),
    path("security/locks/<int:pk>/release/", views_security.lock_release, name="security_lock_release"),
    path("security/roles/", views_security.admin_roles, name="security_roles"),
    path("security/roles/<int:pk>/revoke/", views_security.admin_role_revoke, name="security_role_revoke"),
]
