from django.urls import path

from audiences import manage_views, organisation_views, two_factor_views, views

app_name = "audiences"

urlpatterns = [
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/accept/<str:token>/", views.invitation_accept_page, name="invitation_accept"),
    # Two-factor sign-in: the step after the password, and the person's own settings.
    path("account/two-factor/", two_factor_views.security, name="two_factor_settings"),
    path("account/two-factor/set-up/", two_factor_views.setup, name="two_factor_setup"),
    path("account/two-factor/code/", two_factor_views.verify, name="two_factor_verify"),
    path("account/two-factor/recovery-code/", two_factor_views.recovery, name="two_factor_recovery"),
    path(
        "account/two-factor/recovery-codes/new/",
        two_factor_views.recovery_codes_new,
        name="two_factor_recovery_codes_new",
    ),
    # The portal's admin pages: programme admins only.
    path("manage/audiences/", manage_views.audience_list, name="manage_audiences"),
    path("manage/audiences/add/", manage_views.audience_add, name="manage_audience_add"),
    path("manage/audiences/<slug:slug>/", manage_views.audience_edit, name="manage_audience_edit"),
    path("manage/audiences/<slug:slug>/move/", manage_views.audience_move, name="manage_audience_move"),
    path("manage/audiences/<slug:slug>/archive/", manage_views.audience_archive, name="manage_audience_archive"),
    path("manage/organisations/", manage_views.organisation_list, name="manage_organisations"),
    path("manage/organisations/add/", manage_views.organisation_add, name="manage_organisation_add"),
    path("manage/organisations/<slug:slug>/", manage_views.organisation_edit, name="manage_organisation_edit"),
    path("manage/people/", manage_views.people_list, name="manage_people"),
    path("manage/people/invite/", manage_views.staff_invite, name="manage_staff_invite"),
    path(
        "manage/people/invitations/<int:pk>/",
        manage_views.staff_invitation_action,
        name="manage_staff_invitation_action",
    ),
    path("manage/people/<int:pk>/", manage_views.person, name="manage_person"),
    path("manage/people/<int:pk>/account/", manage_views.person_active, name="manage_person_active"),
    path("manage/people/<int:pk>/erase/", manage_views.person_erase, name="manage_person_erase"),
    path("manage/people/<int:pk>/two-factor/", manage_views.person_two_factor_reset, name="manage_person_two_factor"),
    # An organisation's own pages: its leads and programme admins.
    path("organisations/<slug:slug>/members/", organisation_views.members, name="organisation_members"),
    path(
        "organisations/<slug:slug>/members/<int:pk>/role/",
        organisation_views.member_role,
        name="organisation_member_role",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/remove/",
        organisation_views.member_remove,
        name="organisation_member_remove",
    ),
    path("organisations/<slug:slug>/invitations/", organisation_views.invitations, name="organisation_invitations"),
    path(
        "organisations/<slug:slug>/invitations/<int:pk>/",
        organisation_views.invitation_action,
        name="organisation_invitation_action",
    ),
]
