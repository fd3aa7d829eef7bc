from django.urls import path

from audiences.views import audiences, invitations, members, organisations, people

app_name = "audiences"

urlpatterns = [
    path("invitations/new/", invitations.invitation_new, name="invitation_new"),
    path("invitations/accept/<str:token>/", invitations.invitation_accept_page, name="invitation_accept"),
    # The portal's admin pages: programme admins only.
    path("manage/audiences/", audiences.audience_list, name="manage_audiences"),
    path("manage/audiences/add/", audiences.audience_add, name="manage_audience_add"),
    path("manage/audiences/<slug:slug>/", audiences.audience_edit, name="manage_audience_edit"),
    path("manage/audiences/<slug:slug>/move/", audiences.audience_move, name="manage_audience_move"),
    path("manage/audiences/<slug:slug>/archive/", audiences.audience_archive, name="manage_audience_archive"),
    path("manage/organisations/", organisations.organisation_list, name="manage_organisations"),
    path("manage/organisations/add/", organisations.organisation_add, name="manage_organisation_add"),
    path("manage/organisations/<slug:slug>/", organisations.organisation_edit, name="manage_organisation_edit"),
    path("manage/people/", people.people_list, name="manage_people"),
    path("manage/people/invite/", people.staff_invite, name="manage_staff_invite"),
    path(
        "manage/people/invitations/<int:pk>/",
        people.staff_invitation_action,
        name="manage_staff_invitation_action",
    ),
    path("manage/people/<int:pk>/", people.person, name="manage_person"),
    path("manage/people/<int:pk>/account/", people.person_active, name="manage_person_active"),
    path("manage/people/<int:pk>/erase/", people.person_erase, name="manage_person_erase"),
    path("manage/people/<int:pk>/two-factor/", people.person_two_factor_reset, name="manage_person_two_factor"),
    # An organisation's own pages: its leads and programme admins.
    path("organisations/<slug:slug>/members/", members.members, name="organisation_members"),
    path(
        "organisations/<slug:slug>/members/<int:pk>/role/",
        members.member_role,
        name="organisation_member_role",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/remove/",
        members.member_remove,
        name="organisation_member_remove",
    ),
    path("organisations/<slug:slug>/invitations/", members.invitations, name="organisation_invitations"),
    path(
        "organisations/<slug:slug>/invitations/<int:pk>/",
        members.invitation_action,
        name="organisation_invitation_action",
    ),
]
