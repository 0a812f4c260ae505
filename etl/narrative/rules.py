"""The reading rules for report prose, as data: cue words, qualifiers, topics. Tuned for precision.

Each list says why it exists; a figure that trips one of these rules is not a candidate but an
"unrecognised figure" with the rule's reason, so the analyst still sees it.
"""

from __future__ import annotations

import re

# Clause and segment boundaries inside a sentence.
CLAUSE_SPLIT_RE = re.compile(r"[，,；;。！？!?]")
SEGMENT_SPLIT_RE = re.compile(r"[、]")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？!?])")

# Figure -> noun ("163个司法所") is read only after a scope or counting word earlier in the clause,
# so "2名调解员受到表彰" (an event, not a count) is not read as the number of mediators.
COUNT_CUE_RE = re.compile(
    r"全市|全县|全区|全州|全盟|全旗|全域|共有|现有|拥有|共计|总计|合计|辖区|共|培育|培养|建成|"
    r"建立|设立|组建|选任|选聘|聘任|聘请|配备|组织|派遣"
)
# ... and never when an event follows the noun.
EVENT_AFTER_RE = re.compile(
    r"^.{0,10}?(?:受到|获得|荣获|获评|被评为|被授予|入选|表彰|获|参加|参与|接受|被)"
)
# "与辖区4家律师事务所签约": a figure after 与/同/跟 names the other party of an act, not a count.
PARTNER_BEFORE_RE = re.compile(r"(?:与|同|跟)[^，,；;与同跟]{0,8}$")
# A spelling followed by one of these is a different noun (法律顾问室, 调解员培训班).
CONTINUATION_RE = re.compile(
    r"^(?:室|站|点|中心|协会|队伍|基地|平台|制度|机制|工作|办公室|活动|培训|学校|品牌|案例|会议|系统|"
    r"示范|名录|库|微信|群|手册|服务|之家|联盟)"
)
# Noun <- figure: what may stand between the indicator's words and the figure.
GAP_MAX = 10
GAP_BLOCK_RE = re.compile(r"[\d和与及或、]")
# "在册人员中缓刑322名": a figure among the named ones is a part of them, not their number.
GAP_AMONG_RE = re.compile(r"中(?![心央国华级])")

# Words right before the indicator's words that make it a sub-category (乡镇调委会 is not all
# 调委会). Inside a "其中" these figures become parts of their whole.
SUBCATEGORY_WORDS = (
    "村(社区)",
    "基层",
    "乡镇",
    "乡",
    "镇",
    "街道",
    "村",
    "社区",
    "村居",
    "村级",
    "居委会",
    "城市",
    "农村",
    "企业",
    "商会",
    "专业",
    "行业",
    "兼职",
    "专职",
    "一级",
    "二级",
    "三级",
    "四级",
    "男",
    "女",
    "党员",
    "律师",
    "退休",
    "少数民族",
    "新任",
    "新聘",
    "首批",
    "优秀",
    "金牌",
    "个人",
    "医疗",
    "交通",
    "物业",
    "劳动",
    "婚姻家庭",
    "金融",
    "商事",
    "知识产权",
    "涉台",
    "县级",
    "市级",
    "区级",
    "驻",
    "申请",
)

# The same words as a clause's subject before "N个X" narrow X (企事业、行业建成22个调委会).
SUBJECT_NARROWING = tuple(w for w in SUBCATEGORY_WORDS if len(w) >= 2 and w not in ("个人",))

# Plans and targets are not facts: 力争、确保、不少于...
TARGET_RE = re.compile(r"力争|确保|争取|目标|计划|拟|不低于|不少于|至少|不超过|预计|要达到|任务数")
# "X的司法所119个": a relative clause before the indicator's words makes a subset, unless it is
# only the report's own scope (全市的).
RELATIVE_SCOPE_RE = re.compile(r"^(?:全市|全县|全区|全州|我市|我县|我区|辖区|全)?的$")
# Figures for another scope than the report's region.
OTHER_SCOPE_RE = re.compile(r"全省|全国|省内|全行业")
# What may stand before the time a sentence opens with (一、 (二) 在 于 今年).
OPENING_RE = re.compile(r"^[\s(（)）一二三四五六七八九十、.\d]*(?:在|于|截至|截止|截止到|截至到)?$")
# Words between a figure and the noun it counts that do not narrow it (45个各类调解组织).
NEUTRAL_QUALIFIERS = frozenset({"各类", "各级", "人民", "全部", "专门"})
# "为1.1万个村调委会选聘人民调解员5.9万名": a count for the units a 为 names is theirs, a part.
FOR_UNITS_RE = re.compile(r"为[^，,；;为]{0,6}?\d")
# A bound, not a figure: 控制在0.2%以下, 低于0.8%, 5件以内.
BOUND_BEFORE_RE = re.compile(r"(?:控制在|低于|高于|少于|多于|小于|大于)$")
BOUND_AFTER_RE = re.compile(r"^(?:以下|以内|之内)")
# A date a running total runs to (截至2023年底，累计…): the total is not that year's.
UNTIL_BEFORE_RE = re.compile(r"(?:截至|截止|截止到|截至到|至|到)$")
# "A和B分别为x个、y个": the pairing is positional; not read.
RESPECTIVELY_RE = re.compile(r"分别")
# ... except over a span of years, one figure a year in order, all of one indicator:
# "2012年至2014年重新犯罪率分别是0.32%、0.32%、0.31%".
YEARS_RESPECTIVELY_RE = re.compile(
    r"(?P<first>\d{4})年?(?:至|到|-|—|~)(?P<last>\d{4})年(?:度|年度)?(?P<words>[^，,。；;、\d]{2,16}?)"
    r"分别(?:是|为|达到|达)?(?P<list>[^，,。；;]+)"
)
# ... continued for more years with a zero in words: "，2015年和2016年为零".
YEARS_ZERO_RE = re.compile(
    r"^[，,](?P<years>\d{4}年(?:(?:和|、|及)\d{4}年)*)(?:均)?(?:为|是)(?P<zero>零)"
)
# A stock (个, 人 at a date) stated as a change is not a level.
STOCK_CHANGE_RE = re.compile(
    r"新增|新建|新设|新成立|新培育|新发展|新招录|新选任|新创建|创建|新命名|新认定|获评|净增|"
    r"增加(?!到|至)|增长(?!到|至)|减少(?!到|至)|下降(?!到|至)"
)
# "新增X 12个，总数达到186个": the total after a change names the changed stock.
TOTAL_AFTER_CHANGE_RE = re.compile(
    r"^(?:总数|总量|总计|共计|累计)(?:已)?(?:达到|达|增至|增加到|为)?$"
)
# "由上年的32个增加到38个": the level before and the level now; the first is last year's only
# when the text says so (上年, 去年, 年初, 2023年底).
FROM_RE = re.compile(r"(?:由|从)(?P<when>上年底?|去年底?|上一年|年初|\d{4}年底?)?的?$")
TO_RE = re.compile(r"^(?:增加|增长|减少|下降|提高|提升|上升|降低)?(?:到|至)$")
# A change of a figure on last year: gives last year's value (比上年度增加了66人).
DELTA_RE = re.compile(
    r"(?:(?:比|较)(?:上年度?|去年|上一年度?|(?P<year>\d{4})年)(?:同期)?(?:相比)?|同比)[，,]?"
    r"(?P<verb>增加|增长|多|上升|提高|减少|下降|少|降低)了?"
)
DELTA_UP = frozenset({"增加", "增长", "多", "上升", "提高"})
# A percentage after these words is a change rate, not a figure.
CHANGE_WORDS_RE = re.compile(r"(?:增长|下降|提高|降低|上升|减少|增加|同比|环比|增幅|降幅|提升)了?$")
# "其中" opens a list of parts that runs to the end of the sentence or to one of these.
PARTS_RE = re.compile(r"其中[：:，,]?|(?<=[件个人名宗次所家])[(（](?!其中)")
PARTS_END_RE = re.compile(r"^(?:另有|另外|此外|同时|还有|另)")
# Comparisons and starting points name a year that is not the figure's period (较2023年, 由上年的32个).
COMPARE_BEFORE = frozenset("比较与同于由从")

# Leading words dropped from a label guess for an unrecognised figure.
LABEL_STOP_RE = re.compile(
    r"^(?:其中|全市|全县|全区|共有|现有|共计|共|累计|各类|各级|目前|截至目前|今年以来|今年|另有|此外|"
    r"同时|并|还|已|达到|达|为|增至|约|近|有|目前共|全市共|全年)+"
)
LABEL_TRAIL_RE = re.compile(
    r"(?:共计|共有|总数|总计|合计|达到|达|为|增至|增加到|共|约|近|超过|逾)+$"
)

# Spellings that are too generic on their own: the indicator is read only when the paragraph
# also names its topic (工作人员 alone could be anyone's staff).
TOPIC_RE: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern)
    for code, pattern in {
        "office_staff": r"司法所",
        "office_quota": r"司法所|政法专项",
        "office_quota_used": r"司法所|专编",
        "office_fully_staffed": r"司法所",
        "office_floor_area": r"司法所",
        "office_budget": r"司法所",
        "mediation_success": r"调解|调处|纠纷",
        "mediation_success_rate": r"调解|调处|纠纷",
        "released_handed_over": r"刑满释放|安置帮教|帮教",
        "released_handover_rate": r"刑满释放|安置帮教|帮教",
        "released_visits": r"刑满释放|安置帮教|帮教",
        "released_subsistence": r"刑满释放|安置帮教|帮教",
        "released_relief": r"刑满释放|安置帮教|帮教",
        "released_placement": r"刑满释放|安置帮教|帮教",
        "released_jobs": r"刑满释放|安置帮教|帮教",
        "supervisor_activities": r"监督员",
        "reconsideration_closed": r"复议",
        "reconsideration_mediated": r"复议",
        "reconsideration_mediation_rate": r"复议",
        "village_legal_advisers": r"村|社区",
        "cc_enrolled": r"矫正",
        "population": r"常住|户籍|总人口",
    }.items()
}

# A region named at the start of a clause is the clause's subject (秦州区共调解纠纷…).
CLAUSE_REGION_RE = re.compile(
    r"^(?:其中|另有|另外|此外|同时)?[：:]?([\u4e00-\u9fff]{1,8}?(?:县|区|市|旗))(?![、和及与等])"
)
