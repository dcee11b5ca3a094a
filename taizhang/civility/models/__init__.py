"""文明创建的数据模型: framework (测评体系), sites (点位), rounds and inspections, problems (on the case loop),
document reviews, surveys, bulletins, titles and pairings."""

from taizhang.civility.models.bulletins import BulletinPhoto, CivilityBulletin
from taizhang.civility.models.framework import Content, Framework, Method, Project, SiteType, Standard
from taizhang.civility.models.inspections import Answer, Inspection, InspectionRound, InspectionTeam, Photo, Problem
from taizhang.civility.models.reviews import DocumentSubmission, SurveyResult
from taizhang.civility.models.sites import Site
from taizhang.civility.models.titles import Pairing, Title, TitleApplication, TitleCheck, TitleKind, TitleLevel

__all__ = [
    "Answer", "BulletinPhoto", "CivilityBulletin", "Content", "DocumentSubmission", "Framework", "Inspection",
    "InspectionRound", "InspectionTeam", "Method", "Pairing", "Photo", "Problem", "Project", "Site", "SiteType",
    "Standard", "SurveyResult", "Title", "TitleApplication", "TitleCheck", "TitleKind", "TitleLevel",
]
