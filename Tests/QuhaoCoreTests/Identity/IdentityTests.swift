import Foundation
import QuhaoCore
import Testing

/// Every vector in domain.md is here.
@Suite struct USCCTests {
    @Test(arguments: ["91350100M000100Y43", "91110000600037341L", "121200004013590816", "92340602MA2PBMEM24"])
    func validCodesPass(_ code: String) throws {
        #expect(try USCC.validate(code) == code)
    }

    @Test func wrongCheckCharacterIsAChecksumError() {
        for code in ["91350100M000100Y4Z", "91110000600037341N"] {
            #expect(throws: QuhaoError(.identityChecksum, ["kind": "uscc"])) { try USCC.validate(code) }
        }
    }

    @Test func lettersThatNeverOccurAreAnAlphabetError() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "uscc", "reason": "alphabet"])) { try USCC.validate("9111000060003IOZSV") }
    }

    @Test func wrongLengthAndShapeAreFormatErrors() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "uscc", "reason": "length"])) { try USCC.validate("91350100M000100Y4") }
        #expect(throws: QuhaoError(.identityFormat, ["kind": "uscc", "reason": "shape"])) { try USCC.validate("9135A100M000100Y43") }
    }

    @Test func lowerCaseAndSpacesAreAcceptedAndStoredUpperCase() throws {
        #expect(try USCC.validate("  91350100m000100y43 ") == "91350100M000100Y43")
    }

    @Test func legacyPilotCodeFailsButStaffMayOverride() throws {
        #expect(throws: QuhaoError.self) { try USCC.validate("91350100M0001TGQXM") }
        #expect(try USCC.validate("91350100M0001TGQXM", allowChecksumFailure: true) == "91350100M0001TGQXM")
        let identity = try IdentityCheck.validate("91350100M0001TGQXM", for: .uscc, today: today, allowChecksumOverride: true)
        #expect(identity?.checksumOverridden == true)
        #expect(throws: QuhaoError.self) { try IdentityCheck.validate("91350100M0001TGQXM", for: .uscc, today: today) }
    }

    @Test func checkCharacterFollowsTheStandardWeights() {
        #expect(USCC.weights == (1...17).map { i in (0..<(i - 1)).reduce(1) { acc, _ in acc * 3 % 31 } })
        #expect(USCC.checkCharacter(for: Array("91350100M000100Y4")) == "3")
    }
}

let today = BusinessDay(year: 2026, month: 11, day: 25)!

@Suite struct ResidentIDTests {
    @Test(arguments: ["11010519491231002X", "440524188001010014", "360426199101010071", "44011320141005001X"])
    func validNumbersPass(_ number: String) throws {
        #expect(try ResidentID.validate(number, today: today) == number)
    }

    @Test func lowerCaseXBecomesUpperCase() throws {
        #expect(try ResidentID.validate("11010519491231002x", today: today) == "11010519491231002X")
    }

    @Test func wrongCheckCharacterIsAChecksumError() {
        #expect(throws: QuhaoError(.identityChecksum, ["kind": "resident_id"])) {
            try ResidentID.validate("36042619910102009X", today: today)
        }
    }

    @Test func monthThirteenIsABirthDateErrorEvenWithAGoodChecksum() {
        #expect(throws: QuhaoError(.identityBirthDate)) { try ResidentID.validate("360426199113010079", today: today) }
    }

    @Test func birthDateInTheFutureIsRefused() {
        // 2027-01-01 with a correct check character.
        let body = "11010520270101001"
        let number = body + String(ResidentID.checkCharacter(for: Array(body)))
        #expect(throws: QuhaoError(.identityBirthDate)) { try ResidentID.validate(number, today: today) }
    }

    @Test func unknownProvinceIsARegionError() {
        let body = "99010519491231002"
        let number = body + String(ResidentID.checkCharacter(for: Array(body)))
        #expect(throws: QuhaoError(.identityRegion)) { try ResidentID.validate(number, today: today) }
    }

    @Test func wrongShapeIsAFormatError() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "resident_id", "reason": "id_shape"])) {
            try ResidentID.validate("1101051949123100", today: today)
        }
    }
}

@Suite struct MobilePhoneTests {
    @Test(arguments: ["13812345678", "19119255642", "+86 138-1234-5678", "0086 13812345678", "8613812345678"])
    func validNumbersPass(_ number: String) throws {
        #expect(try MobilePhone.validate(number).count == 11)
    }

    @Test(arguments: ["12345678901", "1381234567", "138123456789", "abc"])
    func invalidNumbersFail(_ number: String) {
        #expect(throws: QuhaoError(.phoneFormat)) { try MobilePhone.validate(number) }
    }
}

@Suite struct MaskingTests {
    @Test func masksKeepLengthAndTheAgreedEnds() throws {
        #expect(try IdentityCheck.validate("11010519491231002X", for: .residentID, today: today)?.masked == "110105********002X")
        // domain.md shows `9135**********Y43` (17 characters); we keep the code's 18, as for IDs and phones.
        #expect(try IdentityCheck.validate("91350100M000100Y43", for: .uscc, today: today)?.masked == "9135***********Y43")
        #expect(Masking.phone("13812345678") == "138****5678")
    }
}

@Suite struct IdentityRequirementTests {
    @Test func noneIgnoresWhatWasTyped() throws {
        #expect(try IdentityCheck.validate("anything", for: .none, today: today) == nil)
    }

    @Test func requiredButBlankSaysWhatIsNeeded() {
        #expect(throws: QuhaoError(.identityRequired, ["service": "发票", "kind": "uscc"])) {
            try IdentityCheck.validate("  ", for: .uscc, service: ["service": "发票"], today: today)
        }
    }

    @Test func eitherAcceptsBothAndAllDigitUSCCs() throws {
        #expect(try IdentityCheck.validate("11010519491231002X", for: .either, today: today)?.kind == .residentID)
        #expect(try IdentityCheck.validate("91350100M000100Y43", for: .either, today: today)?.kind == .uscc)
        #expect(try IdentityCheck.validate("121200004013590816", for: .either, today: today)?.kind == .uscc)
        #expect(throws: QuhaoError(.identityChecksum, ["kind": "resident_id"])) {
            try IdentityCheck.validate("36042619910102009X", for: .either, today: today)
        }
    }

    @Test func theOtherKindIsNamedWhenNotAccepted() {
        #expect(throws: QuhaoError(.identityNotAccepted, ["accepted": "uscc", "kind": "resident_id"])) {
            try IdentityCheck.validate("11010519491231002X", for: .uscc, today: today)
        }
        #expect(throws: QuhaoError(.identityNotAccepted, ["accepted": "resident_id", "kind": "uscc"])) {
            try IdentityCheck.validate("91350100M000100Y43", for: .residentID, today: today)
        }
    }

    /// A mistyped ID on a type that takes ID numbers only is told its real fault, as on an "either"
    /// type; it was called "a unified social credit code" because it happens to pass the USCC
    /// checksum (it opens with no real department pair and province).
    @Test func aMistypedIDOnAnIDOnlyTypeIsToldItsOwnFault() {
        let today = BusinessDay(iso: "2026-12-02")!
        #expect(throws: QuhaoError(.identityBirthDate)) {
            try IdentityCheck.validate("630225202701111522", for: .residentID, today: today)
        }
        #expect(throws: QuhaoError(.identityBirthDate)) {
            try IdentityCheck.validate("630225202701111522", for: .either, today: today)
        }
        // A real company code is still named for what it is.
        #expect(throws: QuhaoError(.identityNotAccepted, ["accepted": "resident_id", "kind": "uscc"])) {
            try IdentityCheck.validate("91350100M000100Y43", for: .residentID, today: today)
        }
    }

    /// A USCC's division opens with a real province (the ID's own list), not any number from 11 to 65.
    @Test func aCompanyCodeOpensWithARealProvince() {
        #expect(USCC.opensLikeARealCode("91350100M000100Y43"))
        #expect(!USCC.opensLikeARealCode("91160100M000100Y43"), "16 is no province")
        #expect(!USCC.opensLikeARealCode("91590100M000100Y43"), "59 is no province")
        #expect(USCC.opensLikeARealCode("91710100M000100Y43"))
    }

    @Test func phoneRequirement() throws {
        #expect(throws: QuhaoError(.phoneRequired)) { try IdentityCheck.validatePhone(nil, for: .required) }
        #expect(try IdentityCheck.validatePhone(nil, for: .optional) == nil)
        #expect(try IdentityCheck.validatePhone("138 1234 5678", for: .optional) == "13812345678")
        #expect(throws: QuhaoError(.phoneFormat)) { try IdentityCheck.validatePhone("12345678901", for: .optional) }
    }
}

@Suite struct TypedIdentityTests {
    @Test func fullWidthCharactersSpacesAndHyphensAreWhatPeopleType() throws {
        // What a Chinese input method types: full-width digits and letters, an ideographic space.
        #expect(try USCC.validate("９１３５０１００ｍ０００１００Ｙ４３") == "91350100M000100Y43")
        #expect(try USCC.validate("9135 0100-M000 100Y43") == "91350100M000100Y43")
        #expect(try ResidentID.validate("110105　19491231　002ｘ", today: today) == "11010519491231002X")
        #expect(try ResidentID.validate("110105-19491231-002X", today: today) == "11010519491231002X")
        #expect(try MobilePhone.validate("＋８６ １３８－１２３４－５６７８") == "13812345678")
        let identity = try IdentityCheck.validate("１１０１０５１９４９１２３１００２Ｘ", for: .either, today: today)
        #expect(identity?.normalized == "11010519491231002X", "one person, one hash, however it was typed")
    }

    @Test func taiwanResidentsPermitsAreAcceptedLikeHongKongAndMacauOnes() throws {
        for prefix in ["81", "82", "83"] {
            let body = prefix + "0000199001010011".prefix(15)
            let number = body + String(ResidentID.checkCharacter(for: Array(body)))
            #expect(try ResidentID.validate(number, today: today) == number)
        }
    }

    @Test func aWrongLengthOnAnEitherFieldSaysEighteenCharacters() {
        #expect(throws: QuhaoError(.identityFormat, ["kind": "either", "reason": "length"])) {
            try IdentityCheck.validate("11010519491231002", for: .either, today: today)
        }
    }

    /// Every one-digit typo of real-looking ID numbers, on a field that takes either kind: none may
    /// pass as a company code unless it opens like one (known pair, real province).
    @Test func aMistypedResidentIDIsNotTakenForACompanyCode() throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("aMistypedResidentIDIsNotTakenForACompanyCode seed: \(seed)")
        var random = SplitMix(seed: seed)
        var (typos, passed, passedAsImplausible, passedBefore) = (0, 0, 0, 0)
        for _ in 0..<400 {
            let province = ResidentID.provinces.sorted()[Int(random.next() % UInt64(ResidentID.provinces.count))]
            let digits = (0..<4).map { _ in Character(String(random.next() % 10)) }
            let born = String(format: "%04d%02d%02d", 1940 + Int(random.next() % 80), 1 + Int(random.next() % 12), 1 + Int(random.next() % 28))
            let body = "\(province)" + String(digits) + born + String((0..<3).map { _ in Character(String(random.next() % 10)) })
            let number = body + String(ResidentID.checkCharacter(for: Array(body)))
            #expect(try ResidentID.validate(number, today: today) == number)
            for position in 0..<17 {
                var typed = Array(number)
                let original = typed[position].wholeNumberValue!
                typed[position] = Character(String((original + 1 + Int(random.next() % 9)) % 10))
                let text = String(typed)
                guard (try? ResidentID.validate(text, today: today)) == nil else { continue }
                typos += 1
                // The old rule: any ID-shaped text passing the USCC checksum was a company code.
                if USCC.isValid(text) { passedBefore += 1 }
                guard let accepted = try? IdentityCheck.validate(text, for: .either, today: today) else { continue }
                passed += 1
                #expect(accepted.kind == .uscc)
                if !USCC.opensLikeARealCode(text) { passedAsImplausible += 1 }
            }
        }
        #expect(typos > 5_000, "the test made enough typos")
        #expect(passedAsImplausible == 0)
        // Before: about one in 31 (the USCC checksum's own chance). Now only typos that open like a
        // real company code can (a known pair, then a province where an ID has its city code).
        #expect(passedBefore * 40 > typos, "the old rule let \(passedBefore) of \(typos) through")
        #expect(passed * 2 < passedBefore, "\(passed) of \(typos) typos passed, \(passedBefore) before")
    }

    @Test func ownExamplesAndAllDigitCompanyCodesStillPassOnEither() throws {
        for code in ["121200004013590816", "91110000600037341L", "92340602MA2PBMEM24"] {
            #expect(try IdentityCheck.validate(code, for: .either, today: today)?.kind == .uscc)
        }
    }
}

/// A small seeded generator, so a failing run can be repeated from its printed seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_B9E9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
